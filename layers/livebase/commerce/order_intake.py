"""Order events of one market, applied: stock reserved or released, the order stored, the bus told.

What the orders consumer does per event, free of Lambda wiring: the handler parses the record,
wraps :meth:`OrderIntake.accept` in its idempotency guard (per order id) and reports. Each step
is idempotent on its own too (the reservation on the order id, the order item is overwritten
with the same content, the stock signals by their conditional marks), so a crash between them
is repaired by redelivery.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from livebase.commerce.inventory import (
    LiveContext,
    Outcome,
    ReservationStatus,
    apply_event,
    signal_entries,
    stock_signals,
)
from livebase.commerce.orders import market_warehouse, order_entry
from livebase.live.events import OrderCancelled, OrderPlaced, Refund
from livebase.markets.config import Market
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import CANCELLED, PLACED, REFUNDED, REJECTED, OrderStore

# A reservation's outcome decides the order's status; a cancel that overtook its order wins.
ORDER_STATUS: Mapping[ReservationStatus, str] = {
    ReservationStatus.RESERVED: PLACED,
    ReservationStatus.REJECTED: REJECTED,
    ReservationStatus.RELEASED: CANCELLED,
}


@dataclass(frozen=True)
class Released:
    order_id: str
    status: str  # cancelled or refunded
    order_found: bool  # False: the release came before its order (which will then reserve nothing)
    outcome: Outcome


@dataclass(frozen=True)
class OrderIntake:
    """One market's order handling: its inventory and orders stores and a way onto its bus."""

    inventory: InventoryStore
    orders: OrderStore
    market: Market
    bus_name: str
    put_events: Callable[[Sequence[Mapping[str, Any]]], None]  # all entries or an error

    def accept(self, placed: OrderPlaced) -> dict[str, str]:
        """Reserve stock, store the order with the outcome as its status, announce it."""
        change = apply_event(self.inventory, placed, market_warehouse)
        accepted = change.status is ReservationStatus.RESERVED
        record = self.orders.save(placed, ORDER_STATUS[change.status or ReservationStatus.REJECTED])
        live = LiveContext({line.sku: placed.room_id for line in placed.lines})  # sold live in this room
        signals = stock_signals(self.inventory, change.touched, self.market, live)
        self.put_events([
            order_entry(placed, self.bus_name, accepted=accepted, reason=change.reason),
            *signal_entries(signals, self.market, self.bus_name),
        ])  # fmt: skip
        return {"order_id": placed.order_id, "status": record.status}

    def release(self, event: OrderCancelled | Refund) -> Released:
        """Give the stock back and mark the order (a missing order is tolerated); idempotent on the id."""
        change = apply_event(self.inventory, event, market_warehouse)
        status = CANCELLED if isinstance(event, OrderCancelled) else REFUNDED
        found = self.orders.set_status(event.order_id, status)
        signals = stock_signals(self.inventory, change.touched, self.market)
        self.put_events(signal_entries(signals, self.market, self.bus_name))
        return Released(event.order_id, status, found, change.outcome)
