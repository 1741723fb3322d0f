"""Room alerts on the market bus -> the Prefect event livebase.room.alert; the automation that reacts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from flows.room_alerts import (
    PREFECT_ROOM_ALERT,
    automation_spec,
    forward_room_alert,
    room_alert,
    room_alert_automation,
)
from livebase.signals import SignalError
from tests.support.signals import Recorder, delivered, viewer_drop

ALERT = viewer_drop()


def test_a_room_alert_becomes_a_prefect_event_for_its_room() -> None:
    emit = Recorder()
    assert forward_room_alert(delivered(ALERT, viewer_id="v_00112233445566778899"), emit) == "emitted"
    [call] = emit.calls
    assert call["event"] == PREFECT_ROOM_ALERT == "livebase.room.alert"
    assert call["resource"] == {
        "prefect.resource.id": "livebase.room.sea.room-7", "prefect.resource.name": "room room-7 (sea)",
        "livebase.market": "sea", "livebase.room": "room-7", "livebase.alert.kind": "viewer_drop",
    }  # fmt: skip
    assert call["related"] == [{"prefect.resource.id": "livebase.market.sea", "prefect.resource.role": "market"}]
    assert call["payload"] == ALERT.detail()  # the alert's detail, as the cloud rule sends it
    assert call["payload"]["current_viewers"] == 500 and call["payload"]["drop_fraction"] == 0.44
    assert not {"viewer_id", "email", "phone", "detail_type"} & set(call["payload"])


def test_a_room_alert_without_room_or_of_another_kind_is_an_error() -> None:
    event = delivered(ALERT)
    del event["detail"]["room_id"]
    with pytest.raises(SignalError, match=r"^detail\.room_id: missing$"):
        forward_room_alert(event, Recorder())
    event = delivered(ALERT)
    event["detail"]["kind"] = "edge_overload"
    with pytest.raises(SignalError, match=r"^detail\.kind: "):
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
    evidence = ALERT.detail()
    markdown = room_alert.fn(market="sea", room_id="room-7", kind="viewer_drop", evidence=evidence)
    assert "Room viewer drop" in markdown and "| current_viewers | 500 |" in markdown
    assert published[0]["key"] == "room-alert-sea"
