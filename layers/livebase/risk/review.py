"""Ops' decision on a held order: release it (served as placed) or cancel it (its units given back).

Both are logged with a statement of reasons in the market's action log and announced as
``OrderReviewed``; both are safe to repeat (the reservation and the order are idempotent by id).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from livebase.moderation.store import ModerationStore
from livebase.risk.holds import HeldOrder
from livebase.signals import bus_entry
from livebase.signals.trust import OrderReviewed

if TYPE_CHECKING:
    from livebase.commerce.order_intake import OrderIntake

RELEASED, CANCELLED = "released", "cancelled"


def decide_held_order(
    intake: OrderIntake, log: ModerationStore, held: HeldOrder, release: bool, actor: str, note: str = ""
) -> dict[str, Any]:
    """Apply ops' decision on ``held``; returns the logged action (no viewer id in it)."""
    assert intake.holds is not None
    order = held.order
    if release:
        outcome = intake.accept(order, held.received_at, review=False)
        status = RELEASED
    else:
        change = intake.inventory.release(
            order.order_id, f"review-{order.event_id}", "cancelled after risk review",
            limit_owner=(order.session_id, order.viewer_id),
        )  # fmt: skip
        outcome, status = {"order_id": order.order_id, "status": str(change.status)}, CANCELLED
    reviewed = OrderReviewed(order_id=order.order_id, market=order.market, outcome=status, at=datetime.now(UTC))
    intake.put_events([bus_entry(reviewed, intake.bus_name)])
    intake.holds.done(held)
    statement = (
        f"The held order was {status} by a person after review"
        f"{' and is served as placed' if release else '; its reserved units are given back'}. "
        f"Facts: risk signals {', '.join(held.signals) or 'none'}. Ground: terms of sale, fraud prevention."
    )
    entry = log.log_entry(f"order_{status}", statement, actor, target=order.order_id, room_id=order.room_id,
                          viewer=held.viewer_key, note=note)  # fmt: skip
    return {**entry, "outcome": outcome}
