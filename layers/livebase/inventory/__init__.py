"""Inventory that cannot oversell: stock per SKU x market warehouse, reservations, stock signals."""

from livebase.inventory.alerts import STOCK_LOW, STOCK_OUT, StockSignal, cue, level_for, signal_for
from livebase.inventory.apply import LiveContext, apply_event, order_lines, signal_entries, stock_signals
from livebase.inventory.model import (
    AlertLevel,
    Allocation,
    ChangeResult,
    LineRequest,
    Outcome,
    ReservationStatus,
    StockItem,
    StockKey,
)
from livebase.inventory.requests import plan
from livebase.inventory.store import InventoryContention, InventoryStore, retry_config

__all__ = [
    "STOCK_LOW", "STOCK_OUT", "AlertLevel", "Allocation", "ChangeResult", "InventoryContention",
    "InventoryStore", "LineRequest", "LiveContext", "Outcome", "ReservationStatus", "StockItem",
    "StockKey", "StockSignal", "apply_event", "cue", "level_for", "order_lines", "plan", "retry_config",
    "signal_entries", "signal_for", "stock_signals",
]  # fmt: skip
