"""stock.low on the market bus -> a Prefect event for that market; the deployment trigger's shape.

The forwarders of stock signals and room alerts take the event as the bus delivers it and ignore
every other signal (both checked here, on the same events)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from flows.room_alerts import forward_room_alert
from flows.triggers import PREFECT_STOCK_LOW, PREFECT_STOCK_OUT, forward_stock_signal, stock_low_trigger
from livebase.signals import SignalError
from tests.support.signals import Recorder, delivered, purchase_order, stock_low, stock_out, viewer_drop


def test_stock_low_becomes_a_prefect_event_for_its_market() -> None:
    emit = Recorder()
    assert forward_stock_signal(delivered(stock_low(), top_buyer="v_00112233445566778899"), emit) == "emitted"
    [call] = emit.calls
    assert call["event"] == PREFECT_STOCK_LOW
    assert call["resource"]["prefect.resource.id"] == "livebase.market.sea"
    assert call["resource"]["livebase.market"] == "sea"
    assert call["payload"] == {"sku": "LIP-01", "warehouse": "WH-SEA-1", "remaining": 4, "low_mark": 5}


def test_a_stock_out_is_forwarded_too() -> None:
    """An order that sells the last units goes from OK to none: only stock.out speaks, and must start a run."""
    emit = Recorder()
    assert forward_stock_signal(delivered(stock_out()), emit)
    assert emit.calls[0]["event"] == PREFECT_STOCK_OUT


@pytest.mark.parametrize("forward", [forward_stock_signal, forward_room_alert], ids=["stock", "room-alert"])
@pytest.mark.parametrize(
    "event",
    [
        {"source": "livebase.orders", "detail-type": "stock.low", "detail": stock_low().detail()},
        {"source": "livebase.rooms", "detail-type": "Room something else", "detail": {}},
        delivered(purchase_order()),
    ],
    ids=["other-source", "unknown-detail-type", "purchase-order"],
)
def test_other_events_are_not_forwarded(forward: Callable[..., Any], event: dict[str, Any]) -> None:
    emit = Recorder()
    assert forward(event, emit) is None
    assert emit.calls == []
    own = delivered(viewer_drop()) if forward is forward_stock_signal else delivered(stock_low())
    assert forward(own, emit) is None  # the other forwarder's signal


def test_a_putevents_entry_is_not_a_delivered_event() -> None:
    entry = {"Source": "livebase.inventory", "DetailType": "stock.low", "Detail": stock_low().detail_json()}
    assert forward_stock_signal(entry, Recorder()) is None


def test_a_stock_low_without_market_is_an_error_naming_the_field() -> None:
    event = delivered(stock_low())
    del event["detail"]["market"]
    with pytest.raises(SignalError, match=r"^detail\.market: missing$"):
        forward_stock_signal(event, Recorder())


def test_trigger_runs_the_signalling_market_at_most_once_per_ten_minutes() -> None:
    trigger = stock_low_trigger()
    assert trigger.expect == {PREFECT_STOCK_LOW, PREFECT_STOCK_OUT}
    assert trigger.for_each == {"prefect.resource.id"}
    assert trigger.within.total_seconds() == 600 and trigger.threshold == 1
    assert trigger.parameters == {"markets": ["{{ event.resource['livebase.market'] }}"]}
