"""device.failover → the switch calls (pure): the IoT command always, the MediaLive input switch
for an encoder where the market has a MediaLive channel; events the function cannot act on refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from livebase.studio.failover import BACKUP_ATTACHMENT, NotAFailover, RoomSwitch, failover_from_event, switch_topic

SAMPLE = Path(__file__).resolve().parents[2] / "events" / "studio" / "eventbridge_device_failover.json"


def event(**detail: Any) -> dict[str, Any]:
    body = json.loads(SAMPLE.read_text())
    body["detail"].update(detail)
    return dict(body)


def never() -> Any:
    raise AssertionError("calls() builds the requests without a client")


def test_a_camera_failover_commands_the_studio_switcher_only() -> None:
    [call] = RoomSwitch(never, medialive_channel="1234567").calls(failover_from_event(event()))
    assert (call.service, call.operation, call.params["topic"], call.params["qos"]) == (
        "iot",
        "Publish",
        switch_topic("sea", "sea-studio-1"),
        1,
    )
    assert json.loads(call.params["payload"])["action"] == "switch_to_backup"


def test_an_encoder_failover_also_switches_the_medialive_input_where_there_is_one() -> None:
    failover = failover_from_event(event(kind="encoder", device_id="enc-1", incident_id="enc-1@20261203T120000Z"))
    iot, medialive = RoomSwitch(never, medialive_channel="1234567").calls(failover)
    assert json.loads(iot.params["payload"])["action"] == "backup_ingest"
    [action] = medialive.params["Creates"]["ScheduleActions"]
    assert medialive.params["ChannelId"] == "1234567" and action["ActionName"] == "failover-enc-1@20261203T120000Z"
    assert action["ScheduleActionSettings"]["InputSwitchSettings"]["InputAttachmentNameReference"] == BACKUP_ATTACHMENT
    assert len(RoomSwitch(never).calls(failover)) == 1  # an IVS market: the backup encoder takes the ingest


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"detail-type": "device.warning"}, "detail-type"),
        ({"detail": {"kind": "toaster"}}, "detail.kind"),
        ({"detail": {"room_id": "a b"}}, "detail.room_id"),
        ({"id": None}, "id"),
        ({"detail": {"predicted_seconds_to_failure": "soon"}}, "predicted_seconds_to_failure"),
    ],
)
def test_what_is_no_failover_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    body = event()
    for key, value in copy.deepcopy(change).items():
        if key == "detail":
            body["detail"].update(value)
        else:
            body[key] = value
    with pytest.raises(NotAFailover, match=field.replace(".", r"\.")):
        failover_from_event(body)
