"""Bus signals as the tests build them (one of each family, as its producer makes it), the event a
rule target receives for one, and an emitter that records what a Prefect forwarder emits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from livebase.signals import BusSignal, as_delivered
from livebase.signals.rooms import ViewerDrop
from livebase.signals.stock import StockLow, StockOut
from livebase.signals.supply import PurchaseOrderCreated

MINUTE = datetime(2026, 11, 25, 20, 5, tzinfo=UTC)
DELIVERED_AT = "2026-12-03T12:00:00Z"


def stock_low(**changes: Any) -> StockLow:
    """A sea SKU down to 4 units while shown in no room."""
    fields: dict[str, Any] = {
        "sku": "LIP-01", "market": "sea", "warehouse": "WH-SEA-1", "remaining": 4, "spot_remaining": 4,
        "presale_remaining": 0, "low_mark": 5, "cue": {"en": "Only 4 left!"},
    }  # fmt: skip
    return StockLow(**{**fields, **changes})


def stock_out(**changes: Any) -> StockOut:
    return StockOut(**{**stock_low().model_dump(), "remaining": 0, "spot_remaining": 0, "cue": {"en": "Sold out!"},
                       **changes})  # fmt: skip


def viewer_drop(**changes: Any) -> ViewerDrop:
    """Room 7 of sea lost 44 % of its peak audience in one minute."""
    fields: dict[str, Any] = {
        "market": "sea", "room_id": "room-7", "minute": MINUTE, "peak_viewers": 900, "previous_viewers": 880,
        "current_viewers": 500, "leaves": 380, "drop_fraction": 0.44, "fraction_threshold": 0.3,
    }  # fmt: skip
    return ViewerDrop(**{**fields, **changes})


def purchase_order(**changes: Any) -> PurchaseOrderCreated:
    fields: dict[str, Any] = {
        "po_id": "PO-sea-SUP-1-20261201", "market": "sea", "supplier": "SUP-1", "run_date": "2026-12-01",
        "expected_arrival": "2026-12-08", "currency": "SGD", "total_cost": "25.00",
        "lines": [{"sku": "LIP-01", "quantity": 10, "unit_cost": "2.50"}],
    }  # fmt: skip
    return PurchaseOrderCreated(**{**fields, **changes})


def delivered(signal: BusSignal, event_id: str = "e-1", **stray: Any) -> dict[str, Any]:
    """The event a rule target receives for ``signal``; ``stray``: fields a producer put there by mistake."""
    event = as_delivered(signal, event_id, DELIVERED_AT)
    event["detail"].update(stray)
    return event


class Recorder:
    """An ``emit`` for the Prefect forwarders: keeps each call's keyword arguments."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        return "emitted"
