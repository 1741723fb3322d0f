"""Inventory that cannot oversell: stock per SKU x market warehouse, reservations, stock signals."""

from livebase.commerce.inventory.alerts import STOCK_LOW, STOCK_OUT, StockSignal, cue, level_for, signal_for
from livebase.commerce.inventory.apply import LiveContext, apply_event, order_lines, signal_entries, stock_signals
from livebase.commerce.inventory.model import (
    AlertLevel,
    Allocation,
    ChangeResult,
    LineRequest,
    Outcome,
    ReservationStatus,
    StockItem,
    StockKey,
)
from livebase.commerce.inventory.requests import plan

__all__ = [
    "STOCK_LOW", "STOCK_OUT", "AlertLevel", "Allocation", "ChangeResult",
    "LineRequest", "LiveContext", "Outcome", "ReservationStatus", "StockItem",
    "StockKey", "StockSignal", "apply_event", "cue", "level_for", "order_lines", "plan",
    "signal_entries", "signal_for", "stock_signals",
]  # fmt: skip
