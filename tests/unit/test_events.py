"""Live-event schemas: valid events parse; personal data and bad shapes are refused."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from livebase.batches.reasons import describe_error
from livebase.live.events import OrderPlaced, parse_event

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def order(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": "evt-00000001",
        "type": "order_placed",
        "market": "sea",
        "room_id": "room-1",
        "session_id": "sess-1",
        "ts": "2026-11-25T11:00:00Z",
        "viewer_id": "v_0123456789abcdef",
        "order_id": "ord-000001",
        "currency": "SGD",
        "lines": [{"sku": "SKU-001", "quantity": 2, "unit_price": "9.95"}],
    }
    body.update(changes)
    return body


def test_order_parses_with_total_in_decimal() -> None:
    event = parse_event(json.dumps(order()))
    assert isinstance(event, OrderPlaced)
    assert str(event.total) == "19.90"
    offset = event.ts.utcoffset()
    assert offset is not None and offset.total_seconds() == 0


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"viewer_id": "alice@example.com"}, "viewer_id"),
        ({"ts": "2026-11-25T11:00:00"}, "ts"),
        ({"schema_version": 2}, "schema_version"),
        ({"lines": []}, "lines"),
        ({"type": "teleport"}, "(record)"),
        ({"email": "alice@example.com"}, "email"),
    ],
)
def test_bad_orders_are_refused_with_field_path(change: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_event(json.dumps(order(**change)))
    reason = describe_error(caught.value)
    assert where in reason
    assert "alice@example.com" not in reason  # reasons are safe to log


def test_comment_with_contact_details_is_refused() -> None:
    comment = {k: v for k, v in order().items() if k not in {"order_id", "currency", "lines"}}
    comment.update(type="comment", language="en", text="call me on +65 9123 4567")
    with pytest.raises(ValidationError, match="personal data"):
        parse_event(json.dumps(comment))


def test_every_sample_kinesis_event_decodes_to_a_valid_event() -> None:
    samples = sorted(EVENTS_DIR.glob("kinesis_*.json"))
    assert samples, "events/ must hold sample Kinesis events"
    for path in samples:
        for record in json.loads(path.read_text())["Records"]:
            assert record["eventSource"] == "aws:kinesis"
            event = parse_event(base64.b64decode(record["kinesis"]["data"]))
            assert path.stem.removeprefix("kinesis_") == event.type


def test_every_sample_event_file_is_one_a_test_loads() -> None:
    """kinesis_* above, sqs_* in test_queue_handlers.py, eventbridge_* in test_room_cues.py, apigateway_* in
    test_passport_handlers.py; each file
    is Lambda's shape for its source (an EventBridge target gets the event itself, no Records)."""
    sources = {"kinesis": "aws:kinesis", "sqs": "aws:sqs"}
    for path in sorted(EVENTS_DIR.glob("*.json")):
        prefix = path.stem.split("_", 1)[0]
        if prefix == "apigateway":  # REST API proxy events: tests/unit/test_passport_handlers.py
            event = json.loads(path.read_text())
            assert {"resource", "path", "httpMethod", "pathParameters", "requestContext"} <= set(event), path.name
            continue
        if prefix == "eventbridge":
            event = json.loads(path.read_text())
            assert {"id", "source", "detail-type", "time", "detail"} <= set(event), path.name
            continue
        assert prefix in sources, f"{path.name}: no test loads events of this kind"
        records = json.loads(path.read_text())["Records"]
        assert records and all(record["eventSource"] == sources[prefix] for record in records)
