"""The ledger's one rounding rule: every amount is held in the currency's minor unit, rounded half to even.

Each transaction rounds its parts once and books the rounding remainder on one named line (the
brand's payable), so every transaction sums to exactly zero and so does any set of them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

# ISO 4217 minor units of the currencies the markets settle in (others: 2, the common case).
MINOR_UNITS: dict[str, int] = {"JPY": 0, "KRW": 0, "VND": 0, "IDR": 2, "BHD": 3, "KWD": 3, "OMR": 3}
ZERO = Decimal(0)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency`` (``Decimal('0.01')`` for SGD, ``Decimal('1')`` for JPY)."""
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))


def to_minor(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half to even to the currency's minor unit (the rule every posting follows)."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_EVEN)


def share(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """``rate`` of ``amount``, rounded by the rule."""
    return to_minor(amount * rate, currency)
