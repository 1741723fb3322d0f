"""The order's message contracts (livebase.commerce.messages) and their samples under events/orders/:
every sample parses, the sample story runs through the state machine, the WMS's existing
shipment_update bodies still parse, and no contract admits contact data."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from livebase.commerce.lifecycle import StockAction, replay
from livebase.commerce.messages import (
    CancelRequest,
    RefundRequest,
    WmsUpdate,
    cancel_from_live,
    order_message_adapter,
    refund_from_live,
)
from livebase.commerce.order_state import OrderStatus, Outcome, open_order
from livebase.live.events import OrderCancelled, OrderPlaced, Refund, parse_event
from livebase.markets.config import load_markets

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLES = EVENTS / "orders"
VIEWER = "v_4c662c49a1f03b7de95a2c1e8f7d6b30"


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((SAMPLES / f"{name}.json").read_text()))


def test_every_sample_message_parses_and_is_named_after_its_type() -> None:
    paths = sorted(SAMPLES.glob("*.json"))
    types = set()
    for path in paths:
        message = order_message_adapter.validate_json(path.read_bytes())
        assert path.stem.startswith(message.type), path.name
        assert order_message_adapter.validate_python(json.loads(message.model_dump_json())) == message
        types.add(message.type)
    assert types == {"shipment_update", "cancel_requested", "return_requested", "return_received", "refund_requested"}
    statuses = {WmsUpdate.model_validate_json(p.read_bytes()).status for p in SAMPLES.glob("shipment_update_*.json")}
    assert statuses == {"handed", "picked", "shipped", "delivered"}


def test_the_sample_story_ships_returns_restocks_and_refunds() -> None:
    order = OrderPlaced(
        event_id="evt-eu-00004521", type="order_placed", market="eu", room_id="eu-room-1",
        session_id="eu-room-1-20261203", ts=datetime(2026, 12, 3, 10, 2, tzinfo=UTC), viewer_id=VIEWER,
        order_id="o-eu-room-1-00004521", currency="EUR",
        lines=[{"sku": "SKU-A1", "quantity": 2, "unit_price": "19.90"}],
    )  # fmt: skip
    names = ["shipment_update_handed", "shipment_update_picked", "shipment_update_shipped",
             "shipment_update_delivered", "return_requested", "return_received", "refund_requested"]  # fmt: skip
    messages = [order_message_adapter.validate_json(json.dumps(sample(n))) for n in names]
    eu = load_markets()["eu"].commerce
    final, steps = replay(
        open_order(order, {"SKU-A1": Decimal("19.90")}), messages, eu, datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert [s.outcome for s in steps] == [Outcome.APPLIED] * len(names), [s.reason for s in steps]
    assert [e.action for s in steps for e in s.stock] == [StockAction.CONSUME, StockAction.RESTOCK]
    assert steps[-1].refund_total == Decimal("39.80") and final.status is OrderStatus.REFUNDED


def test_the_wms_existing_shipment_updates_parse_as_the_new_contract() -> None:
    records = json.loads((EVENTS / "sqs_shipment_update.json").read_text())["Records"]
    updates = [WmsUpdate.model_validate_json(record["body"]) for record in records]
    assert [u.status for u in updates] == ["picked", "shipped"] and updates[0].message_id == updates[0].update_id


@pytest.mark.parametrize(
    ("name", "change", "fault"),
    [
        ("cancel_requested", {"requested_by": {"kind": "viewer"}}, "viewer_id is given exactly when kind is viewer"),
        ("cancel_requested", {"requested_by": {"kind": "ops"}}, "operator is given exactly when kind is ops"),
        ("cancel_requested", {"requested_by": {"kind": "livebase", "viewer_id": VIEWER}}, "viewer_id is given"),
        ("cancel_requested", {"reason": "call +65 9123 4567"}, "reason"),
        ("return_requested", {"requested_by": {"kind": "viewer", "viewer_id": "alice@example.com"}}, "viewer_id"),
        ("return_received", {"lines": [{"sku": "SKU-A1"}]}, "at least one unit"),
        ("refund_requested", {"amount": "1", "lines": [{"sku": "SKU-A1", "amount": "1"}]}, "not both"),
        ("refund_requested", {"amount": "-1"}, "amount"),
        ("shipment_update_shipped", {"status": "lost"}, "status"),
        ("shipment_update_shipped", {"carrier": "driver 0176 12345678"}, "carrier"),
        ("shipment_update_shipped", {"address": "Hauptstr. 1"}, "address"),
    ],
)
def test_contracts_refuse_malformed_and_personal_fields(name: str, change: dict[str, Any], fault: str) -> None:
    with pytest.raises(ValidationError, match=fault):
        order_message_adapter.validate_json(json.dumps({**sample(name), **change}))


def _live(name: str) -> Any:
    record = json.loads((EVENTS / f"kinesis_{name}.json").read_text())["Records"][0]["kinesis"]
    return parse_event(base64.b64decode(record["data"]))


def test_the_live_streams_cancel_and_refund_become_the_viewers_requests() -> None:
    cancelled = _live("order_cancelled")
    assert isinstance(cancelled, OrderCancelled)
    cancel = cancel_from_live(cancelled)
    assert isinstance(cancel, CancelRequest) and cancel.requested_by.viewer_id == cancelled.viewer_id
    assert (cancel.message_id, cancel.order_id, cancel.at) == (cancelled.event_id, cancelled.order_id, cancelled.ts)
    refunded = _live("refund")
    assert isinstance(refunded, Refund)
    refund = refund_from_live(refunded)
    assert isinstance(refund, RefundRequest) and refund.amount == refunded.amount
    assert refund.requested_by.kind == "viewer" and refund.currency == refunded.currency
    nothing = refund_from_live(refunded.model_copy(update={"amount": Decimal(0)}))
    assert nothing.amount is None  # what the viewer's received returns are due
