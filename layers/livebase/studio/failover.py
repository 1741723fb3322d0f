"""``device.failover`` → the room on its backup input: what is switched, and the calls that do it.

Every failover commands the room's studio over AWS IoT Core (``iot-data`` ``Publish``, QoS 1,
to ``livebase/<market>/studio/<room>/switch``): the studio's switcher cuts to the backup of the
failed camera / microphone / light, and for an encoder the backup encoder takes over the ingest
(IVS takes one ingest per channel: the backup encoder pushes to it when told). In a MediaLive
market an encoder failover also switches the channel to its backup input attachment
(``BatchUpdateSchedule`` with an immediate ``InputSwitchSettings`` action to
:data:`BACKUP_ATTACHMENT`), so the broadcast continues from the backup feed even if the primary
encoder still pushes a broken stream. Nothing personal travels: device, room, incident, reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from livebase.signals import SignalError, parse_event
from livebase.signals.studio import DeviceFailover
from livebase.studio.telemetry import DeviceKind

BACKUP_ATTACHMENT = "studio-backup"
IOT, MEDIALIVE = "iot", "medialive"


class NotAFailover(ValueError):
    """A bus event the failover function cannot act on (the reason names the field)."""


def switch_topic(market: str, room_id: str) -> str:
    return f"livebase/{market}/studio/{room_id}/switch"


class Failover(DeviceFailover):
    """A ``device.failover`` as the failover function takes it: the signal and the bus event's id."""

    event_id: str

    def command(self) -> dict[str, Any]:
        """What the studio gets: use the backup of this device now."""
        action = "backup_ingest" if self.kind == DeviceKind.ENCODER else "switch_to_backup"
        return {"action": action, "room": self.room_id, "device": self.device_id, "kind": self.kind,
                "incident": self.incident_id, "reason": self.reason}  # fmt: skip


def failover_from_event(event: Mapping[str, Any]) -> Failover:
    """The failover a delivered ``device.failover`` asks for; anything else is refused, naming the field."""
    try:
        delivered = parse_event(event, DeviceFailover)
        return Failover(**dict(delivered.signal), event_id=delivered.require_id())
    except SignalError as refused:
        raise NotAFailover(str(refused)) from None


@dataclass(frozen=True)
class SwitchCall:
    service: str  # "iot" | "medialive"
    operation: str  # "Publish" | "BatchUpdateSchedule"
    params: dict[str, Any]


@dataclass(frozen=True)
class RoomSwitch:
    """The market's switch: the IoT command always, the MediaLive input switch for an encoder
    failover where the market's channel is MediaLive (``medialive_channel`` set)."""

    iot_data: Callable[[], Any]  # the iot-data client, made on first use (its endpoint is per account)
    medialive: Any | None = None
    medialive_channel: str = ""

    def calls(self, failover: Failover) -> list[SwitchCall]:
        publish = {"topic": switch_topic(failover.market, failover.room_id), "qos": 1,
                   "payload": json.dumps(failover.command(), separators=(",", ":"))}  # fmt: skip
        calls = [SwitchCall(IOT, "Publish", publish)]
        if failover.kind == DeviceKind.ENCODER and self.medialive_channel:
            action = {
                "ActionName": f"failover-{failover.incident_id}"[:255],  # unique in the schedule
                "ScheduleActionStartSettings": {"ImmediateModeScheduleActionStartSettings": {}},
                "ScheduleActionSettings": {"InputSwitchSettings": {"InputAttachmentNameReference": BACKUP_ATTACHMENT}},
            }
            schedule = {"ChannelId": self.medialive_channel, "Creates": {"ScheduleActions": [action]}}
            calls.append(SwitchCall(MEDIALIVE, "BatchUpdateSchedule", schedule))
        return calls

    def send(self, failover: Failover) -> list[SwitchCall]:
        calls = self.calls(failover)
        for call in calls:
            if call.service == IOT:
                params = dict(call.params)
                self.iot_data().publish(**{**params, "payload": str(params["payload"]).encode("utf-8")})
            elif self.medialive is not None:
                self.medialive.batch_update_schedule(**call.params)
        return calls
