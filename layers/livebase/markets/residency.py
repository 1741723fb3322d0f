"""Data-residency policy: what may leave a market's region.

Viewer ids are pseudonymised in-region by the market's HMAC KMS key: ``livebase.privacy.pseudonyms``.
"""

from __future__ import annotations

from livebase.markets.config import Market, ResidencyMode


def may_hold_personal_data(market: Market) -> bool:
    return market.residency is not ResidencyMode.AGGREGATES_ONLY


def may_send(source: Market, destination: Market, *, personal: bool) -> bool:
    """Aggregates and pseudonymised keys may travel; personal data never leaves its region."""
    if not personal:
        return True
    return source.region == destination.region and may_hold_personal_data(destination)


class ResidencyViolation(RuntimeError):
    """Raised when code tries to move personal data out of its market's region."""


def assert_may_send(source: Market, destination: Market, *, personal: bool) -> None:
    if not may_send(source, destination, personal=personal):
        raise ResidencyViolation(
            f"personal data of market {source.id!r} ({source.region}) may not go to "
            f"{destination.id!r} ({destination.region})"
        )
