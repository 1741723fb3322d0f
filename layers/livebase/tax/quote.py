"""An order's tax, duty and landed price, decided by the market's table (``livebase.tax.table``).

Pure. The lines come priced by Livebase (net of tax: the catalogue's and the sessions' prices are
net); the consignment's value is their sum (the intrinsic value customs thresholds are set on:
goods only, no transport, no tax). The destination is the order's country (absent: the market's
home); the day is when Livebase received the order. Amounts are in the market's currency, rounded
half-up to the cent per line; a per-item duty is carried by the first line of its HS subheading.

Refused, with the reason (never a guess): a destination the table does not list, a day or value no
rule covers, a ``refuse`` rule, a line without an HS code where the duty depends on it, an HS code
the duty's rates do not cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from livebase.tax.table import Rule, TaxTable

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TaxableLine:
    """One order line at Livebase's net unit price, with the SKU's HS code (None: the catalogue has none)."""

    sku: str
    quantity: int
    unit_price: Decimal
    hs_code: str | None


@dataclass(frozen=True)
class LineTax:
    index: int
    sku: str
    hs_code: str | None
    net: Decimal
    tax: Decimal
    duty: Decimal

    @property
    def landed(self) -> Decimal:
        return self.net + self.tax + self.duty


@dataclass(frozen=True)
class TaxQuote:
    """What one order costs the buyer, landed, and the rule that decided it (``refusal``: why not)."""

    market: str
    currency: str
    destination: str
    rule_id: str
    regime: str
    prices_include_tax: bool
    lines: tuple[LineTax, ...] = ()
    refusal: str = ""

    @property
    def accepted(self) -> bool:
        return not self.refusal

    @property
    def net_total(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal(0))

    @property
    def tax_total(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal(0))

    @property
    def duty_total(self) -> Decimal:
        return sum((line.duty for line in self.lines), Decimal(0))

    @property
    def landed_total(self) -> Decimal:
        return self.net_total + self.tax_total + self.duty_total

    def record_fields(self) -> dict[str, str]:
        """The order record's attributes (``livebase.stores.orders``; the settlement ledger reads them)."""
        return {
            "net_total": str(self.net_total), "tax_total": str(self.tax_total), "duty_total": str(self.duty_total),
            "landed_total": str(self.landed_total), "tax_rule": self.rule_id, "destination": self.destination,
        }  # fmt: skip

    def line_fields(self, index: int) -> dict[str, str | None]:
        """One line's attributes on the order record (its HS code, tax, duty and landed amount)."""
        line = self.lines[index]
        return {"hs_code": line.hs_code, "tax": str(line.tax), "duty": str(line.duty), "landed": str(line.landed)}

    def describe(self) -> str:
        """One line for a confirmation or a demo: landed, and what it is made of."""
        return (
            f"{self.landed_total} {self.currency} landed in {self.destination} = {self.net_total} net + "
            f"{self.tax_total} tax + {self.duty_total} duty ({self.rule_id}, {self.regime})"
        )


def quote_order(
    table: TaxTable, destination: str | None, lines: Sequence[TaxableLine], received_at: datetime
) -> TaxQuote:
    """Tax and duty of a consignment of ``lines`` to ``destination`` (None: home), as of ``received_at``."""
    country = destination or table.home
    value = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
    day = received_at.date()

    def refused(reason: str, rule: Rule | None = None) -> TaxQuote:
        rule_id, regime = (rule.id, rule.regime) if rule else ("", "refuse")
        return TaxQuote(table.market, table.currency, country, rule_id, regime, False, refusal=reason)

    place = table.destinations.get(country)
    if place is None:
        known = ", ".join(sorted(table.destinations))
        return refused(
            f"destination: market {table.market} has no tax rule for {country} (it ships to {known}); "
            "refused rather than taxed by a guess"
        )
    rule = table.rule_for(country, day, value)
    if rule is None:
        return refused(f"destination: no tax rule of market {table.market} covers {country} on {day} for {value}")
    if rule.regime == "refuse":
        return refused(f"destination: {country}: {rule.reason} (rule {rule.id})", rule)
    rate = place.standard_rate if rule.tax_rate == "standard" else rule.tax_rate
    duties, problem = _duties(rule, lines)
    if problem:
        return refused(problem, rule)
    taxed = []
    for index, (line, duty) in enumerate(zip(lines, duties, strict=True)):
        net = cents(line.unit_price * line.quantity)
        base = net + duty if rule.tax_base == "net_plus_duty" else net
        taxed.append(LineTax(index, line.sku, line.hs_code, net, cents(base * rate), duty))
    return TaxQuote(table.market, table.currency, country, rule.id, rule.regime, place.prices_include_tax, tuple(taxed))


def _duties(rule: Rule, lines: Sequence[TaxableLine]) -> tuple[list[Decimal], str]:
    """Each line's duty under ``rule``, or the reason it cannot be decided."""
    duty = rule.duty
    if duty.kind == "none":
        return [CENT * 0] * len(lines), ""
    for index, line in enumerate(lines):
        if line.hs_code is None and duty.needs_hs_code:
            return [], f"lines[{index}].sku: {line.sku} has no HS code in the catalogue; rule {rule.id} needs it"
    if duty.kind == "per_item":
        assert duty.per_item is not None  # validated
        seen: set[str] = set()
        amounts = []
        for line in lines:
            item = str(line.hs_code)[: duty.item_digits]
            amounts.append(CENT * 0 if item in seen else duty.per_item)
            seen.add(item)
        return amounts, ""
    amounts = []
    for index, line in enumerate(lines):
        rate = duty.rate_for(line.hs_code or "")
        if rate is None:
            return [], f"lines[{index}].sku: no duty rate for HS {line.hs_code} in rule {rule.id}"
        amounts.append(cents(line.unit_price * line.quantity * rate))
    return amounts, ""


def shown_unit_price(table: TaxTable, unit_price: Decimal, hs_code: str | None, at: datetime) -> Decimal | None:
    """What one unit costs a buyer at home, landed (a one-unit consignment), as the room shows it where
    the home's consumer law asks for tax-inclusive prices, else the net price; None: no rule decides it."""
    quote = quote_order(table, None, [TaxableLine("shown", 1, unit_price, hs_code)], at)
    if not quote.accepted:
        return None
    return quote.landed_total if quote.prices_include_tax else cents(unit_price)
