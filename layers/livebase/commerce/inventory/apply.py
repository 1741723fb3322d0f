"""Live order events -> inventory changes and the stock signals they cross.

Per order event: ``order_placed`` reserves, ``order_cancelled`` releases, each once per order id; a
``refund`` moves no stock. The warehouse that serves a market is the caller's
choice (one per market today), passed in so this stays free of configuration lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from livebase.commerce.inventory.alerts import STOCK_LOW, StockSignal
from livebase.commerce.inventory.model import ChangeResult, LineRequest, Outcome, StockKey
from livebase.live.events import OrderCancelled, OrderPlaced, Refund
from livebase.markets.config import Market
from livebase.signals import bus_entry

if TYPE_CHECKING:  # the store imports this package's signals; only its type is needed here
    from livebase.stores.inventory import InventoryStore

InventoryEvent = OrderPlaced | OrderCancelled | Refund


def order_lines(order: OrderPlaced, warehouse_of: Callable[[str], str]) -> list[LineRequest]:
    """The stock an order asks for, from the warehouse serving its market."""
    warehouse = warehouse_of(order.market)
    return [LineRequest(line.sku, warehouse, line.quantity) for line in order.lines]


def apply_event(store: InventoryStore, event: InventoryEvent, warehouse_of: Callable[[str], str]) -> ChangeResult:
    """Apply one order event's stock alone (no prices, limits or order state: the orders consumer's
    path is ``livebase.commerce.order_intake`` and ``order_life``); safe to call again. A refund
    never creates stock (issue 28): only a cancel gives a reservation back."""
    if isinstance(event, OrderPlaced):
        return store.reserve(event.order_id, event.event_id, order_lines(event, warehouse_of))
    if isinstance(event, OrderCancelled):
        return store.release(event.order_id, event.event_id, event.reason)
    return ChangeResult(Outcome.NOOP, reason="a refund never creates stock")


@dataclass(frozen=True)
class LiveContext:
    """Which SKUs are on screen in which room (from ``product_shown`` events), for the cue."""

    rooms_by_sku: dict[str, str]

    def room_of(self, sku: str) -> str | None:
        return self.rooms_by_sku.get(sku)


def stock_signals(
    store: InventoryStore,
    touched: Iterable[StockKey],
    market: Market,
    live: LiveContext | None = None,
) -> list[StockSignal]:
    """Signals for the crossings this change caused.

    ``stock.out`` always goes out; ``stock.low`` only for SKUs being shown in a live room, where
    a host can use the cue. The level is settled either way, so a later restock re-arms it.
    """
    signals: list[StockSignal] = []
    for key in dict.fromkeys(touched):
        room = live.room_of(key.sku) if live else None
        signal = store.settle_alert(key, market.alerts.low_stock_units, room)
        if signal is None or (signal.kind == STOCK_LOW and room is None):
            continue
        signals.append(signal)
    return signals


def signal_entries(signals: Collection[StockSignal], market: Market, bus_name: str) -> list[dict[str, Any]]:
    """EventBridge entries for the market bus, cues in the market's languages."""
    return [bus_entry(signal.to_signal(market.languages), bus_name) for signal in signals]
