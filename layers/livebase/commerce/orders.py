"""Orders as stored in a market's DynamoDB table (pynamodb), and the events they emit.

The table and region differ per market, so the model is bound at run time with
:func:`order_model` rather than read from the environment at import.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from livebase.live.events import OrderPlaced

ORDER_EVENT_SOURCE = "livebase.orders"


class OrderLineAttribute(MapAttribute[str, Any]):
    sku = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_price = UnicodeAttribute()  # decimal as text: no float rounding of money


class OrderRecord(Model):
    """One placed order. ``viewer_id`` is the pseudonymous id; nothing else about the buyer."""

    class Meta:
        table_name = "unbound-orders"  # replaced by order_model()

    order_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute()
    market = UnicodeAttribute()
    room_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    viewer_id = UnicodeAttribute()
    placed_at = UTCDateTimeAttribute()
    currency = UnicodeAttribute()
    total = UnicodeAttribute()
    lines = ListAttribute(of=OrderLineAttribute)
    status = UnicodeAttribute(default="placed")


@cache
def order_model(table_name: str, region: str) -> type[OrderRecord]:
    """The order model bound to one market's table and region (cached per pair)."""
    meta = type("Meta", (), {"table_name": table_name, "region": region})
    return type(f"OrderRecord_{region.replace('-', '_')}", (OrderRecord,), {"Meta": meta})


def order_record(model: type[OrderRecord], order: OrderPlaced) -> OrderRecord:
    return model(
        order.order_id,
        event_id=order.event_id,
        market=order.market,
        room_id=order.room_id,
        session_id=order.session_id,
        viewer_id=order.viewer_id,
        placed_at=order.ts,
        currency=order.currency,
        total=str(order.total),
        lines=[
            OrderLineAttribute(sku=line.sku, quantity=line.quantity, unit_price=str(line.unit_price))
            for line in order.lines
        ],
    )


def market_warehouse(market_id: str) -> str:
    """The warehouse that serves a market (one per market today)."""
    return f"WH-{market_id.upper()}-1"


def order_entry(order: OrderPlaced, bus_name: str, *, accepted: bool = True, reason: str = "") -> dict[str, Any]:
    """EventBridge entry for an order: ``OrderPlaced``, or ``OrderRejected`` with why (no stock).

    Business facts only: not even the pseudonymous viewer id leaves on the bus.
    """
    detail: dict[str, Any] = {
        "order_id": order.order_id,
        "market": order.market,
        "room_id": order.room_id,
        "currency": order.currency,
        "total": str(order.total),
        "lines": [{"sku": line.sku, "quantity": line.quantity} for line in order.lines],
        "placed_at": order.ts.isoformat(),
    }
    if not accepted:
        detail["reason"] = reason
    return {
        "Source": ORDER_EVENT_SOURCE,
        "DetailType": "OrderPlaced" if accepted else "OrderRejected",
        "Detail": json.dumps(detail),
        "EventBusName": bus_name,
    }


def units_per_sku(orders: Iterable[OrderRecord]) -> Counter[str]:
    """Units sold per SKU over placed orders (rejected and cancelled ones excluded)."""
    units: Counter[str] = Counter()
    for record in orders:
        if record.status != "placed":
            continue
        for line in record.lines:
            units[line.sku] += int(line.quantity)
    return units


def revenue(orders: Iterable[OrderRecord]) -> Decimal:
    return sum((Decimal(o.total) for o in orders if o.status == "placed"), Decimal(0))
