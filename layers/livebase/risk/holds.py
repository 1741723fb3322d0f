"""Orders held for review, in the market's room-metrics table (its region, its key).

``RISKQ#<market>`` / ``<held at>#<order id>``: the order as placed (its event, pseudonymous viewer
id included: it never leaves the table), its score and signals, and the statement of reasons. The
reservation made when it was held waits; ops release it (stored and announced as any order) or
cancel it (its units given back), and the entry is deleted once decided, the action logged
beside moderation's (``MODLOG#<market>#<day>``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key

from livebase.live.events import OrderPlaced, live_event_adapter
from livebase.moderation.store import RETENTION_DAYS, viewer_key
from livebase.risk.orders import RiskAssessment

QUEUE = "RISKQ#"
REDRESS = "the buyer may contest this through customer service; a person reviews every held order"


def hold_statement(assessment: RiskAssessment) -> str:
    """The statement of reasons of a hold (signal names only, never values)."""
    signals = ", ".join(assessment.signals) or "none"
    return (
        "The order is held for review and not served until a person decides; its units stay reserved. "
        f"Facts: risk score {assessment.score:.2f} from the signals {signals} (velocity: several orders within "
        "minutes; bulk: three or more units; ring: fresh accounts buying the same product in bulk together; "
        "cancels / refunds: recent ones). Ground: terms of sale, fraud prevention. Decided automatically. "
        f"Redress: {REDRESS}."
    )


@dataclass(frozen=True, slots=True)
class HeldOrder:
    order: OrderPlaced
    received_at: datetime
    score: float
    signals: tuple[str, ...]
    sk: str

    @property
    def viewer_key(self) -> str:
        return viewer_key(self.order.viewer_id)


class HeldOrders:
    """The market's held orders (a boto3 Table of the room-metrics table)."""

    def __init__(self, table: Any, market_id: str, clock: Callable[[], float] = time.time) -> None:
        self.table, self.market_id, self.clock = table, market_id, clock

    def hold(self, order: OrderPlaced, assessment: RiskAssessment, received_at: datetime) -> None:
        """Keep the order for review (a redelivery rewrites the same item)."""
        self.table.put_item(Item={
            "pk": f"{QUEUE}{self.market_id}", "sk": f"{received_at.astimezone(UTC).isoformat()}#{order.order_id}",
            "order": order.model_dump_json(), "room_id": order.room_id, "order_id": order.order_id,
            "score": Decimal(str(assessment.score)), "signals": list(assessment.signals),
            "statement": hold_statement(assessment), "received_at": received_at.astimezone(UTC).isoformat(),
            "expires_at": int(self.clock()) + RETENTION_DAYS * 86400,
        })  # fmt: skip

    def pending(self, limit: int = 200) -> list[HeldOrder]:
        items = self.table.query(KeyConditionExpression=Key("pk").eq(f"{QUEUE}{self.market_id}"), Limit=limit)
        return [
            HeldOrder(live_event_adapter.validate_json(str(i["order"])),  # type: ignore[arg-type]
                      datetime.fromisoformat(str(i["received_at"])), float(i["score"]),
                      tuple(str(s) for s in i.get("signals", [])), str(i["sk"]))
            for i in items.get("Items", [])
        ]  # fmt: skip

    def find(self, order_id: str) -> HeldOrder | None:
        return next((held for held in self.pending(1000) if held.order.order_id == order_id), None)

    def done(self, held: HeldOrder) -> None:
        self.table.delete_item(Key={"pk": f"{QUEUE}{self.market_id}", "sk": held.sk})
