"""stock.low on the market bus -> a Prefect event for that market; the deployment trigger's shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flows.triggers import PREFECT_STOCK_LOW, PREFECT_STOCK_OUT, forward_stock_signal, stock_low_trigger

DETAIL = {"sku": "LIP-01", "market": "sea", "warehouse": "WH-SEA-1", "remaining": 4, "low_mark": 5}


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        return "emitted"


@pytest.mark.parametrize(
    "event",
    [
        {"source": "livebase.inventory", "detail-type": "stock.low", "detail": DETAIL},  # delivered
        {"Source": "livebase.inventory", "DetailType": "stock.low", "Detail": json.dumps(DETAIL)},  # entry
    ],
)
def test_stock_low_becomes_a_prefect_event_for_its_market(event: dict[str, Any]) -> None:
    emit = Recorder()
    assert forward_stock_signal(event, emit) == "emitted"
    [call] = emit.calls
    assert call["event"] == PREFECT_STOCK_LOW
    assert call["resource"]["prefect.resource.id"] == "livebase.market.sea"
    assert call["resource"]["livebase.market"] == "sea"
    assert call["payload"] == {"sku": "LIP-01", "warehouse": "WH-SEA-1", "remaining": 4, "low_mark": 5}


@pytest.mark.parametrize(
    "event",
    [
        {"source": "livebase.orders", "detail-type": "stock.low", "detail": DETAIL},
        {"Source": "livebase.orders", "DetailType": "OrderPlaced", "Detail": "{}"},
    ],
)
def test_other_events_are_not_forwarded(event: dict[str, Any]) -> None:
    emit = Recorder()
    assert forward_stock_signal(event, emit) is None
    assert emit.calls == []


def test_a_stock_low_without_market_is_an_error() -> None:
    event = {"source": "livebase.inventory", "detail-type": "stock.low", "detail": {"sku": "X"}}
    with pytest.raises(ValueError, match="lacks market"):
        forward_stock_signal(event, Recorder())


def test_trigger_runs_the_signalling_market_at_most_once_per_ten_minutes() -> None:
    trigger = stock_low_trigger()
    assert trigger.expect == {PREFECT_STOCK_LOW, PREFECT_STOCK_OUT}
    assert trigger.for_each == {"prefect.resource.id"}
    assert trigger.within.total_seconds() == 600 and trigger.threshold == 1
    assert trigger.parameters == {"markets": ["{{ event.resource['livebase.market'] }}"]}


def test_a_stock_out_is_forwarded_too() -> None:
    """An order that sells the last units goes from OK to none: only stock.out speaks, and must start a run."""
    emit = Recorder()
    assert forward_stock_signal({"source": "livebase.inventory", "detail-type": "stock.out", "detail": DETAIL}, emit)
    assert emit.calls[0]["event"] == PREFECT_STOCK_OUT
