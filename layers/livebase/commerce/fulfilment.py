"""The WMS round trip: what goes to the warehouse, what comes back, and how it moves an order on.

Out (``livebase.commerce.wms_handoff``), one message per placed order on the market's WMS
queue, deduplicated by the WMS on ``order_id``::

    {"type": "pick_pack", "order_id", "market", "warehouse", "placed_at", "lines": [{"sku", "quantity"}]}

Back, one message per step the warehouse completes (:class:`ShipmentUpdate`)::

    {"type": "shipment_update", "update_id", "order_id", "warehouse", "status": "picked" | "shipped",
     "at": "<ISO 8601 with zone>", "carrier": "<carrier code>"?}

An update only moves an order forward (``sent`` → ``picked`` → ``shipped``; ``shipped`` may come
without ``picked``): a redelivered or late update changes nothing and says why. No buyer data
travels either way: no name, address or tracking link, only the carrier's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from livebase.live.events import Code, OrderId, UtcTimestamp
from livebase.stores.orders import WMS_ORDER, WMS_PICKED, WMS_SHIPPED, OrderStore


class ShipmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["shipment_update"] = "shipment_update"
    update_id: Annotated[str, Field(min_length=6, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    order_id: OrderId
    warehouse: Annotated[str, Field(pattern=r"^WH-[A-Z0-9-]{1,30}$")]
    status: Literal["picked", "shipped"]
    at: UtcTimestamp
    carrier: Annotated[Code, Field(max_length=32)] | None = None


class UpdateOutcome(StrEnum):
    APPLIED = "applied"
    IGNORED = "ignored"  # redelivered, late (the order is already there or beyond), or unknown


@dataclass(frozen=True)
class UpdateResult:
    outcome: UpdateOutcome
    reason: str = ""


def apply_update(orders: OrderStore, update: ShipmentUpdate) -> UpdateResult:
    """Move the order forward to the update's status, once; safe to call again with the same update."""
    if orders.advance_fulfilment(update.order_id, update.status, update.at, update.carrier):
        return UpdateResult(UpdateOutcome.APPLIED)
    order = orders.get(update.order_id)
    if order is None:
        return UpdateResult(UpdateOutcome.IGNORED, f"order {update.order_id} is not in this market's table")
    if order.wms_status is None:
        return UpdateResult(UpdateOutcome.IGNORED, f"order {update.order_id} was never handed to the WMS")
    if WMS_ORDER.index(order.wms_status) >= WMS_ORDER.index(update.status):
        return UpdateResult(UpdateOutcome.IGNORED, f"order {update.order_id} is {order.wms_status} already")
    return UpdateResult(UpdateOutcome.IGNORED, f"order {update.order_id} changed meanwhile: delivered again")


__all__ = ["WMS_PICKED", "WMS_SHIPPED", "ShipmentUpdate", "UpdateOutcome", "UpdateResult", "apply_update"]
