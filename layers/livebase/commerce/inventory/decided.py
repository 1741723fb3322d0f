"""What an earlier delivery decided about an order, and which purchase limit an order would pass.

Pure helpers of :class:`livebase.stores.inventory.InventoryStore`: the store reads the records and
the counters, these say what they mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from livebase.commerce.conflicts import conflict_reason
from livebase.commerce.inventory.model import Allocation, ChangeResult, Outcome, ReservationStatus
from livebase.commerce.inventory.requests import LimitCounter
from livebase.commerce.limits import LimitCheck, PurchaseLimit, limit_key


def already_decided(record: dict[str, Any], order_id: str, fingerprint: str = "") -> ChangeResult:
    """What an earlier delivery decided; a conflict when the same id came with other content."""
    known = str(record.get("fingerprint") or "")
    conflict = conflict_reason(order_id, known, fingerprint) if known and fingerprint else ""
    if conflict:
        return ChangeResult(Outcome.REJECTED, reason=conflict, conflict=conflict)
    status = ReservationStatus(record["status"])
    allocations = tuple(Allocation.from_value(v) for v in record.get("lines", []))
    outcome = Outcome.REJECTED if status is ReservationStatus.REJECTED else Outcome.DUPLICATE
    said = f": {record['reason']}" if status is ReservationStatus.REJECTED and record.get("reason") else ""
    # ``touched`` lets a redelivery settle alerts a crashed first delivery never got to.
    return ChangeResult(
        outcome,
        status,
        allocations,
        reason=f"order already {status.value}{said}",
        touched=tuple(a.key for a in allocations),
    )


def over_limit(bought: Sequence[tuple[LimitCounter, int]]) -> str:
    """The refusal naming each limit the order's units would pass ('' when within every limit)."""
    checks = (LimitCheck(c.sku, c.limit, have, c.quantity) for c, have in bought)
    return "; ".join(check.reason for check in checks if not check.allowed)


def limit_counters(reservation: dict[str, Any], session_id: str, viewer_id: str) -> tuple[LimitCounter, ...]:
    """The counters a reservation bumped (its record's ``limited`` units per SKU), to give them back."""
    limited = reservation.get("limited") or {}
    return tuple(
        LimitCounter(limit_key(session_id, sku, viewer_id), sku, int(units), PurchaseLimit(int(units), "market"), 0)
        for sku, units in limited.items()
    )
