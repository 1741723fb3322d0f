"""Per-viewer purchase limits: units of one SKU one viewer may buy in one session.

The limit comes from the session plan where it sets one (for the SKU, else for the session), else
from the market (``CommerceRules.purchase_limit_per_sku_per_session``); none of them: no limit.
The decision is ``units already bought by this viewer in this session + requested <= limit``, per
SKU, every line of an order or none (an order is reserved whole). A refusal names the SKU, the
counts, the limit and where the limit came from, never the viewer.

How the inventory store keeps the counts (second part of issue 28), so the limit holds under a
race the way stock does: one counter item per viewer x SKU x session in the inventory table,
beside the reservation records, written in the same ``TransactWriteItems`` as the stock updates
and the order's reservation record::

    sku        (S, key)  "LIM#<session_id>#<sku>#<viewer_id>"   (LIMIT_PREFIX + limit_key(...))
    warehouse  (S, key)  "RECORD"                               (the bookkeeping sort key)
    bought     (N)       units bought so far (reservations of this viewer, SKU and session)
    limit      (N)       the limit last applied (for audits; the condition carries the live one)
    expires_at (N)       TTL: the session's end plus a few days (the item names a pseudonymous viewer)

    reserve: Update SET bought = if_not_exists(bought, :zero) + :q, #limit = :limit, expires_at = :ttl
             Condition attribute_not_exists(bought) OR bought <= :room      (:room = limit - q)
    release: Update SET bought = bought - :q   Condition bought >= :q       (a cancel before hand-off)

A failed limit condition cancels the whole transaction: nothing is reserved, and the store reads
the counter to say which limit (:func:`check_limits` on what it read). A return does not give units
back: the limit is on what a viewer takes out of a session's stock. One item per limited SKU of an
order: with the order's stock items and its record that must fit in one transaction (100 items),
so an order of more than 49 limited SKUs cannot be reserved whole (admission caps an order at 50
lines). The erasure of a viewer need not find these items: they expire within days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from livebase.live.events import NameId, OrderLine
from livebase.markets.commerce_rules import CommerceRules

LIMIT_PREFIX = "LIM#"
LIMIT_RESERVE_UPDATE = "SET bought = if_not_exists(bought, :zero) + :q, #limit = :limit, expires_at = :ttl"
LIMIT_RESERVE_CONDITION = "attribute_not_exists(bought) OR bought <= :room"
LIMIT_NAMES = {"#limit": "limit"}  # ExpressionAttributeNames: "limit" is a DynamoDB reserved word
LIMIT_RELEASE_UPDATE = "SET bought = bought - :q"
LIMIT_RELEASE_CONDITION = "bought >= :q"
Units = Annotated[int, Field(ge=1, le=10_000)]


class SessionLimits(BaseModel):
    """What a session plan (or ops) sets for its session: one limit for every SKU and/or per SKU."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    session_id: NameId
    per_sku_per_viewer: Units | None = None  # every SKU of the session
    skus: Mapping[str, Units] = {}  # per SKU, over the session's own value


@dataclass(frozen=True)
class PurchaseLimit:
    units: int
    source: Literal["session plan", "market"]


@dataclass(frozen=True)
class LimitCheck:
    sku: str
    limit: PurchaseLimit | None  # None: not limited
    bought: int  # by this viewer in this session, before this order
    requested: int

    @property
    def allowed(self) -> bool:
        return self.limit is None or self.bought + self.requested <= self.limit.units

    @property
    def reason(self) -> str:
        if self.allowed or self.limit is None:
            return ""
        return (
            f"{self.sku}: {self.bought} bought in this session + {self.requested} asked exceeds the limit of "
            f"{self.limit.units} per viewer (from the {self.limit.source})"
        )


@dataclass(frozen=True)
class LimitDecision:
    checks: tuple[LimitCheck, ...]

    @property
    def allowed(self) -> bool:
        return all(check.allowed for check in self.checks)

    @property
    def reason(self) -> str:
        return "; ".join(check.reason for check in self.checks if not check.allowed)

    @property
    def limited(self) -> dict[str, PurchaseLimit]:
        """The SKUs whose counters the reservation must update, with their limits."""
        return {check.sku: check.limit for check in self.checks if check.limit is not None}


def purchase_limit(sku: str, rules: CommerceRules, plan: SessionLimits | None = None) -> PurchaseLimit | None:
    """The limit on ``sku``: the plan's for the SKU, the plan's for the session, the market's, or none."""
    if plan is not None:
        planned = plan.skus.get(sku, plan.per_sku_per_viewer)
        if planned is not None:
            return PurchaseLimit(planned, "session plan")
    market = rules.purchase_limit_per_sku_per_session
    return None if market is None else PurchaseLimit(market, "market")


def requested_units(lines: Iterable[OrderLine]) -> dict[str, int]:
    """Units asked per SKU (an order's lines of one SKU added up)."""
    units: dict[str, int] = {}
    for line in lines:
        units[line.sku] = units.get(line.sku, 0) + line.quantity
    return units


def check_limits(
    requested: Mapping[str, int],
    bought: Mapping[str, int],
    rules: CommerceRules,
    plan: SessionLimits | None = None,
) -> LimitDecision:
    """Whether one viewer may take ``requested`` units per SKU, having ``bought`` these in the session."""
    return LimitDecision(
        tuple(
            LimitCheck(sku, purchase_limit(sku, rules, plan), int(bought.get(sku, 0)), units)
            for sku, units in requested.items()
        )
    )


def limit_key(session_id: str, sku: str, viewer_id: str) -> str:
    """The counter item's ``sku`` key value (see the module docstring)."""
    return f"{LIMIT_PREFIX}{session_id}#{sku}#{viewer_id}"
