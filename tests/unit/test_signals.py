"""The bus contract (livebase.signals): a model per detail-type, its entry in the bytes each producer
has always put, and the parse of a delivered event (or an SQS body) back into the model."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, get_args

import pytest

from livebase.signals import BusSignal, OtherSignal, SignalError, bus_entry, parse_event, signal_types
from livebase.signals.orders import OrderRejected
from livebase.signals.rooms import DETAIL_TYPES, EVIDENCE_FIELDS, AlertKind, EdgeOverload, ViewerDrop
from livebase.signals.stock import StockLevel, StockLow
from livebase.signals.studio import DeviceFailover, DeviceKindName
from livebase.signals.trust import OrderHeld, OrderReviewed
from livebase.studio.telemetry import DeviceKind
from tests.support.signals import delivered, purchase_order, stock_low, stock_out, viewer_drop

TS = datetime(2026, 12, 3, 12, 2, 5, tzinfo=UTC)
FAILOVER = DeviceFailover(
    market="sea", room_id="sea-studio-1", device_id="cam-1", kind="camera", incident_id="cam-1@20261203T120100Z",
    ts=TS, reason="predicted", predicted_seconds_to_failure=56.2, opened_at=datetime(2026, 12, 3, 12, 1, tzinfo=UTC),
    seconds_since_opened=65.0,
    evidence={"metric": "temperature_c", "level": 70.62, "slope_per_s": 0.256, "agreement": 1.0,
              "seconds_to_failure": 56.2},
)  # fmt: skip
EDGE = EdgeOverload(
    market="sea", room_id="r", minute=TS, edge_location="sin-1", cpu=0.97, error_rate=0.01, viewers_served=800.0,
    cpu_threshold=0.9, error_rate_threshold=0.05, viewers_to_shift=120, recommended_location=None,
    recommended_cpu=None, recommended_capacity=None, unmeasured_neighbours=("sin-2",),
)  # fmt: skip
REJECTED = OrderRejected(
    order_id="ord-1", market="sea", room_id="r", currency="SGD", total="28.1000",
    lines=[{"sku": "SKU-A1", "quantity": 2}], placed_at=TS, reason="no stock: SKU-A1",
)  # fmt: skip
HELD = OrderHeld(order_id="ord-2", market="sea", room_id="r", score=0.91, signals=("bulk", "ring"), held_at=TS)
REVIEWED = OrderReviewed(order_id="ord-2", market="sea", outcome="cancelled", at=TS)
SAMPLES: list[BusSignal] = [stock_low(cue={"th": "เหลือ 4"}, room_id="r"), stock_out(), viewer_drop(), EDGE,
                            purchase_order(), FAILOVER, REJECTED, HELD, REVIEWED]  # fmt: skip


def test_every_detail_type_has_a_sample_here() -> None:
    covered = {(s.SOURCE, s.DETAIL_TYPE) for s in SAMPLES}
    assert {("livebase.inventory", "stock.low"), ("livebase.rooms", "Edge node overload")} <= covered
    assert {source for source, _ in signal_types()} == {source for source, _ in covered}


@pytest.mark.parametrize("signal", SAMPLES, ids=lambda s: s.DETAIL_TYPE)
def test_a_delivered_signal_parses_back_to_its_model(signal: BusSignal) -> None:
    event = delivered(signal, "e-7")
    assert parse_event(event).signal == signal
    assert parse_event(json.dumps(event)).event_id == "e-7"  # an SQS body a rule filled
    assert parse_event(event, type(signal)).signal.detail() == signal.detail()


def test_the_entries_are_the_bytes_each_producer_put_before_the_contract() -> None:
    """Key order, separators and escaping per family: the rules' patterns and transformers read them."""
    stock = bus_entry(SAMPLES[0], "bus")
    assert stock["Detail"] == json.dumps(SAMPLES[0].detail(), ensure_ascii=False) and "เหลือ" in stock["Detail"]
    assert "expected_arrival" not in stock["Detail"] and set(stock) == {
        "Source",
        "DetailType",
        "Detail",
        "EventBusName",
    }
    edge = bus_entry(EDGE, "bus")
    assert edge["Detail"].startswith(
        '{"kind": "edge_overload", "market": "sea", "room_id": "r", "minute": "2026-12-03T'
    )
    assert '"recommended_location": null' in edge["Detail"] and '"unmeasured_neighbours": ["sin-2"]' in edge["Detail"]
    assert edge["Time"] == TS and edge["DetailType"] == DETAIL_TYPES[AlertKind.EDGE_OVERLOAD]
    failover = bus_entry(FAILOVER, "bus")
    assert failover["Detail"].startswith('{"market":"sea","room_id":"sea-studio-1",')
    assert '"ts":"2026-12-03T12:02:05+00:00"' in failover["Detail"] and failover["Time"] == TS
    po = json.loads(bus_entry(purchase_order(), "bus")["Detail"])
    assert po["run_date"] == "2026-12-01" and po["total_cost"] == "25.00" and po["lines"][0]["unit_cost"] == "2.50"
    assert json.loads(bus_entry(REJECTED, "bus")["Detail"])["total"] == "28.1000"


def test_other_signals_are_told_apart_from_broken_ones() -> None:
    with pytest.raises(OtherSignal, match="not StockLevel"):
        parse_event(delivered(viewer_drop()), StockLevel)
    others: list[dict[str, Any]] = [{"source": "livebase.inventory", "detail-type": "stock.restocked"}, {"x": 1}]
    for other in others:
        with pytest.raises(OtherSignal):
            parse_event(other)
    broken: list[tuple[str | dict[str, Any], str]] = [
        ("[1, 2]", "event: not an object"),
        ({"source": "livebase.inventory", "detail-type": "stock.low", "detail": "{}"}, "detail: not an object"),
    ]
    for event, reason in broken:
        with pytest.raises(SignalError, match=reason):
            parse_event(event)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"remaining": "3"}, "detail.remaining: int_type"),
        ({"remaining": True}, "detail.remaining: int_type"),
        ({"remaining": -1}, "detail.remaining: greater_than_equal"),
        ({"room_id": "has space"}, "detail.room_id: string_pattern_mismatch"),
        ({"cue": {"english": "x"}}, "detail.cue: value_error"),
        ({"market": None}, "detail.market: string_type"),
    ],
)
def test_a_broken_detail_is_refused_naming_the_field_never_the_value(change: dict[str, Any], reason: str) -> None:
    event = delivered(stock_low(room_id="r"))
    event["detail"].update(change)
    with pytest.raises(SignalError) as refused:
        parse_event(event, StockLow)
    assert str(refused.value) == reason


def test_unknown_fields_are_dropped_and_a_room_alert_must_be_of_its_detail_types_kind() -> None:
    event = delivered(viewer_drop(), top_buyer="v_00112233445566778899")
    alert = parse_event(event, ViewerDrop).signal
    assert "top_buyer" not in alert.detail() and set(alert.detail()) <= EVIDENCE_FIELDS
    event["detail"]["kind"] = "edge_overload"
    with pytest.raises(SignalError, match=r"^detail\.kind: "):
        parse_event(event)


def test_an_event_id_is_required_only_by_who_asks_for_it() -> None:
    event = delivered(FAILOVER)
    del event["id"]
    parsed = parse_event(event, DeviceFailover)
    assert parsed.event_id is None
    with pytest.raises(SignalError, match=r"^id: "):
        parsed.require_id()


def test_a_second_model_for_a_detail_type_is_refused() -> None:
    with pytest.raises(TypeError, match="two models"):

        class Again(StockLevel):
            DETAIL_TYPE = "stock.low"


def test_the_device_kinds_on_the_wire_are_the_telemetry_kinds() -> None:
    assert set(get_args(DeviceKindName)) == {str(kind) for kind in DeviceKind}
