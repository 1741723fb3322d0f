"""Room alerts on the market bus -> the Prefect event livebase.room.alert; the automation that reacts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from flows.room_alerts import (
    PREFECT_ROOM_ALERT,
    automation_spec,
    forward_room_alert,
    room_alert,
    room_alert_automation,
)
from livebase.live.alerts import ViewerDrop, to_eventbridge_entry

ALERT = ViewerDrop(
    market="sea", room_id="room-7", minute=datetime(2026, 11, 25, 20, 5, tzinfo=UTC), peak_viewers=900,
    previous_viewers=880, current_viewers=500, leaves=380, drop_fraction=0.44, fraction_threshold=0.3,
)  # fmt: skip


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        return "emitted"


def delivered(entry: dict[str, Any]) -> dict[str, Any]:
    """The event as a rule target receives it."""
    return {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": json.loads(entry["Detail"])}


@pytest.mark.parametrize("shape", ["entry", "delivered"])
def test_a_room_alert_becomes_a_prefect_event_for_its_room(shape: str) -> None:
    entry = to_eventbridge_entry(ALERT, "livebase-sea-bus")
    emit = Recorder()
    assert forward_room_alert(entry if shape == "entry" else delivered(entry), emit) == "emitted"
    [call] = emit.calls
    assert call["event"] == PREFECT_ROOM_ALERT == "livebase.room.alert"
    assert call["resource"] == {
        "prefect.resource.id": "livebase.room.sea.room-7", "prefect.resource.name": "room room-7 (sea)",
        "livebase.market": "sea", "livebase.room": "room-7", "livebase.alert.kind": "viewer_drop",
    }  # fmt: skip
    assert call["related"] == [{"prefect.resource.id": "livebase.market.sea", "prefect.resource.role": "market"}]
    assert call["payload"]["current_viewers"] == 500 and call["payload"]["drop_fraction"] == 0.44
    assert "detail_type" not in call["payload"]  # the payload is the alert's detail, as the cloud rule sends it
    assert not {"viewer_id", "email", "phone"} & set(call["payload"])


@pytest.mark.parametrize(
    "event",
    [
        {"source": "livebase.inventory", "detail-type": "stock.low", "detail": {"market": "sea"}},
        {"source": "livebase.rooms", "detail-type": "Room something else", "detail": {}},
        {"Source": "livebase.orders", "DetailType": "OrderPlaced", "Detail": "{}"},
    ],
)
def test_other_events_are_not_forwarded(event: dict[str, Any]) -> None:
    emit = Recorder()
    assert forward_room_alert(event, emit) is None
    assert emit.calls == []


def test_a_room_alert_without_room_or_kind_is_an_error() -> None:
    event = {"source": "livebase.rooms", "detail-type": "Room viewer drop", "detail": {"market": "sea", "kind": "x"}}
    with pytest.raises(ValueError, match="lacks market, room_id"):
        forward_room_alert(event, Recorder())


def test_the_automation_file_runs_room_alert_for_each_room_and_kind() -> None:
    deployment_id = uuid.uuid4()
    automation = room_alert_automation(deployment_id)
    assert automation.name == "livebase-room-alert"
    assert automation.trigger.expect == {PREFECT_ROOM_ALERT}
    assert automation.trigger.for_each == {"prefect.resource.id", "livebase.alert.kind"}
    [action] = automation.actions
    assert action.type == "run-deployment" and action.deployment_id == deployment_id
    assert set(action.parameters) == {"market", "room_id", "kind", "evidence"}
    assert [a["deployment"] for a in automation_spec()["actions"]] == ["room-alert/room-alert"]


def test_the_flow_shows_the_alert_with_its_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    published: list[dict[str, Any]] = []
    monkeypatch.setattr("flows.artifacts.create_markdown_artifact", lambda **kw: published.append(kw))
    evidence = json.loads(to_eventbridge_entry(ALERT, "bus")["Detail"])
    markdown = room_alert.fn(market="sea", room_id="room-7", kind="viewer_drop", evidence=evidence)
    assert "Room viewer drop" in markdown and "| current_viewers | 500 |" in markdown
    assert published[0]["key"] == "room-alert-sea"
