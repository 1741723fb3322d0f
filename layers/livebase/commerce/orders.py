"""Orders as business facts: the warehouse serving a market, the events an order emits, sales totals.

How an order is stored (the pynamodb model, every read and write) is ``livebase.stores.orders``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from livebase.live.events import OrderPlaced
from livebase.signals import bus_entry
from livebase.signals import orders as order_signals
from livebase.stores.order_table import OrderRecord
from livebase.stores.orders import PLACED


def market_warehouse(market_id: str) -> str:
    """The warehouse that serves a market (one per market today)."""
    return f"WH-{market_id.upper()}-1"


def order_entry(
    order: OrderPlaced,
    bus_name: str,
    *,
    accepted: bool = True,
    reason: str = "",
    total: Decimal | None = None,
    landed: Mapping[str, Any] | None = None,  # an accepted order's landed_total and tax_rule (issue 33)
) -> dict[str, Any]:
    """EventBridge entry for an order: ``OrderPlaced``, or ``OrderRejected`` with why (no stock).

    ``total``: Livebase's (the orders consumer passes what it priced; the client's sum otherwise).
    Business facts only: not even the pseudonymous viewer id leaves on the bus.
    """
    facts: dict[str, Any] = {
        "order_id": order.order_id, "market": order.market, "room_id": order.room_id, "currency": order.currency,
        "total": order.total if total is None else total,
        "lines": [{"sku": line.sku, "quantity": line.quantity} for line in order.lines], "placed_at": order.ts,
    }  # fmt: skip
    signal = (
        order_signals.OrderPlaced(**facts, **(landed or {}))
        if accepted
        else order_signals.OrderRejected(**facts, reason=reason)
    )
    return bus_entry(signal, bus_name)


def units_per_sku(orders: Iterable[OrderRecord]) -> Counter[str]:
    """Units sold per SKU over placed orders (rejected and cancelled ones excluded)."""
    units: Counter[str] = Counter()
    for record in orders:
        if record.status != PLACED:
            continue
        for line in record.lines:
            units[line.sku] += int(line.quantity)
    return units


def revenue(orders: Iterable[OrderRecord]) -> Decimal:
    return sum((Decimal(o.total) for o in orders if o.status == PLACED), Decimal(0))
