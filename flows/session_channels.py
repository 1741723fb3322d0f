"""The rooms of planned sessions, in the market's own region, through boto3 (IVS and MediaLive).

One channel per planned session (per arm room when it runs an experiment) and service, found
again by its deterministic name (``lb-<room>``) and tagged with the session, so running the plan twice creates nothing
twice. :meth:`SessionChannels.reconcile` moves each session's channels to where the clock says
they should be: created when planned; started ``LEAD`` before the window; stopped ``TAIL`` after
it; deleted ``KEEP`` after it (inputs too). Every call is a no-op when the channel is already
there, so the ``session-channels`` deployment can run it every few minutes.

IVS: a channel goes live when the host's encoder pushes; there is nothing to start. Its stream
key comes back from ``CreateChannel``; only its ARN is kept (the value is a secret: hosts read it
with their own role). Stop is ``StopStream``. moto 5.2.5 implements neither ``ListStreamKeys`` nor
``StopStream``: locally the key ARN is only known on the run that created the channel and the stop
is reported as not sent (``degraded``), never silently skipped.

Each room's channel is recorded for the room-cue function (``livebase.live.room_cues``): an SSM
parameter named by the room (``/livebase/<market>/rooms/<room>/channel``, in the channels' Region)
holding the service and the channel (IVS preferred, as the market's cues do), written when the
channel exists and differs from what is recorded, deleted when the session is cleaned up; a room
without one gets its cues on the market's channel.

MediaLive: an RTMP input and a channel per session. Encoder settings, destinations, role and the
input security group are copied from the market stack's channel (``livebase-<market>-broadcast``)
and studio input (``livebase-<market>-studio``), so a session channel encodes like the stack's;
without them (a stack without MediaLive) minimal settings are used and the note says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.aws import retry_config
from livebase.live.room_cues import IVS, MEDIALIVE, RoomChannel, room_channel_parameter

LEAD = timedelta(minutes=15)  # channels start this long before the session
TAIL = timedelta(minutes=15)  # and stop this long after it
KEEP = timedelta(hours=1)  # then are deleted this long after it
SESSION_TAG, MARKET_TAG = "livebase:session", "livebase:market"
_GONE = {"DELETING", "DELETED"}
_MINIMAL_ENCODER = {
    "VideoDescriptions": [],
    "AudioDescriptions": [],
    "OutputGroups": [],
    "TimecodeConfig": {"Source": "SYSTEMCLOCK"},
}


@dataclass(frozen=True)
class ChannelAction:
    """What one reconcile step did to one channel (no secret in it)."""

    session_id: str  # the session's room (an experiment arm's room: ``<session>-A`` / ``-B``)
    service: str
    action: str  # created | exists | started | stopped | deleted | none
    state: str
    arn: str = ""
    note: str = ""
    degraded: bool = False


def _not_implemented(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or code in ("NotImplemented", "404", "UnknownOperationException")


def channel_name(session_id: str) -> str:
    return f"lb-{session_id}"[:128]


def phase(start: datetime, end: datetime, now: datetime) -> str:
    """Where a session's channels should be at ``now``: scheduled, live, stopped or cleaned."""
    if now < start - LEAD:
        return "scheduled"
    if now < end + TAIL:
        return "live"
    if now < end + KEEP:
        return "stopped"
    return "cleaned"


class SessionChannels:
    """IVS and MediaLive channels of one market's sessions, with clients of its region."""

    def __init__(
        self,
        market_id: str,
        region: str,
        ivs: Any | None = None,
        medialive: Any | None = None,
        ssm: Any | None = None,
    ) -> None:
        self.market_id, self.region = market_id, region
        self.ivs = ivs or boto3.client("ivs", region_name=region, config=retry_config())
        self.medialive = medialive or boto3.client("medialive", region_name=region, config=retry_config())
        self.ssm = ssm or boto3.client("ssm", region_name=region, config=retry_config())

    def _tags(self, session: Mapping[str, Any]) -> dict[str, str]:
        return {SESSION_TAG: str(session["session_id"]), MARKET_TAG: self.market_id}

    # IVS
    def _ivs_channel(self, name: str) -> dict[str, Any] | None:
        found = [c for c in self.ivs.list_channels(filterByName=name)["channels"] if c["name"] == name]
        return found[0] if found else None

    def _ivs(self, session: Mapping[str, Any], room: str, wanted: str) -> ChannelAction:
        sid, name = room, channel_name(room)
        channel = self._ivs_channel(name)
        if wanted == "cleaned":
            if channel is None:
                return ChannelAction(sid, "ivs", "none", "absent")
            self.ivs.delete_channel(arn=channel["arn"])
            return ChannelAction(sid, "ivs", "deleted", "absent", channel["arn"])
        if channel is None:
            if wanted == "stopped":
                return ChannelAction(sid, "ivs", "none", "absent")
            made = self.ivs.create_channel(name=name, latencyMode="LOW", type="STANDARD", tags=self._tags(session))
            key_arn = made.get("streamKey", {}).get("arn", "")
            note = f"stream key {key_arn} (value not kept: hosts read it with their own role)" if key_arn else ""
            return ChannelAction(sid, "ivs", "created", "ready", made["channel"]["arn"], note)
        if wanted == "stopped":
            try:
                self.ivs.stop_stream(channelArn=channel["arn"])
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "ChannelNotBroadcasting":
                    return ChannelAction(sid, "ivs", "stopped", "offline", channel["arn"])
                if _not_implemented(error):
                    return ChannelAction(sid, "ivs", "none", "unknown", channel["arn"],
                                         "StopStream not implemented by the local AWS: not sent", True)  # fmt: skip
                raise
            return ChannelAction(sid, "ivs", "stopped", "offline", channel["arn"])
        note, degraded = self._stream_key_note(channel["arn"])
        return ChannelAction(sid, "ivs", "exists", "ready", channel["arn"], note, degraded)

    def _stream_key_note(self, channel_arn: str) -> tuple[str, bool]:
        try:
            keys = self.ivs.list_stream_keys(channelArn=channel_arn).get("streamKeys", [])
        except ClientError as error:
            if _not_implemented(error):
                return "ListStreamKeys not implemented by the local AWS: key ARN known only to the creating run", True
            raise
        if not keys:
            return "no stream key: create one (CreateStreamKey)", True
        return f"stream key {keys[0]['arn']}", False

    # MediaLive
    def _live_channel(self, name: str) -> dict[str, Any] | None:
        for channel in self.medialive.list_channels().get("Channels", []):
            if channel["Name"] == name and channel.get("State") not in _GONE:
                return dict(self.medialive.describe_channel(ChannelId=channel["Id"]))
        return None

    def _live_input(self, name: str) -> dict[str, Any] | None:
        found = [
            i
            for i in self.medialive.list_inputs().get("Inputs", [])
            if i["Name"] == name and i.get("State") not in _GONE
        ]
        return found[0] if found else None

    def _create_live(self, session: Mapping[str, Any], name: str) -> tuple[dict[str, Any], str]:
        template = self._live_channel(f"livebase-{self.market_id}-broadcast")
        studio = self._live_input(f"livebase-{self.market_id}-studio")
        request: dict[str, Any] = {
            "Name": f"{name}-in", "Type": "RTMP_PUSH", "Tags": self._tags(session),
            "Destinations": [{"StreamName": f"livebase/{name.removeprefix('lb-')}"}],
        }  # fmt: skip
        if studio and studio.get("SecurityGroups"):
            request["InputSecurityGroups"] = list(studio["SecurityGroups"])
        made_input = self._live_input(f"{name}-in") or self.medialive.create_input(**request)["Input"]
        channel: dict[str, Any] = {
            "Name": name, "Tags": self._tags(session), "ChannelClass": "SINGLE_PIPELINE",
            "InputAttachments": [{"InputId": made_input["Id"], "InputAttachmentName": f"{name}-in"}],
        }  # fmt: skip
        if template:
            channel["EncoderSettings"] = template.get("EncoderSettings") or _MINIMAL_ENCODER
            for key in ("Destinations", "RoleArn"):
                if template.get(key):
                    channel[key] = template[key]
            note = f"encoder settings of livebase-{self.market_id}-broadcast"
        else:
            channel["EncoderSettings"] = _MINIMAL_ENCODER
            note = "no stack channel to copy: minimal encoder settings"
        return self.medialive.create_channel(**channel)["Channel"], note

    def _medialive(self, session: Mapping[str, Any], room: str, wanted: str) -> ChannelAction:
        sid, name = room, channel_name(room)
        channel = self._live_channel(name)
        if channel is None and wanted in ("stopped", "cleaned"):
            leftover = self._live_input(f"{name}-in")
            if wanted == "cleaned" and leftover:
                self.medialive.delete_input(InputId=leftover["Id"])
                return ChannelAction(sid, "medialive", "deleted", "absent", leftover["Arn"], "input")
            return ChannelAction(sid, "medialive", "none", "absent")
        action, note = "exists", ""
        if channel is None:
            channel, note = self._create_live(session, name)
            channel, action = dict(self.medialive.describe_channel(ChannelId=channel["Id"])), "created"
        state = str(channel.get("State", ""))
        if wanted == "live" and state in ("IDLE", "CREATING"):
            self.medialive.start_channel(ChannelId=channel["Id"])
            return ChannelAction(sid, "medialive", "started", "STARTING", channel["Arn"], note)
        if wanted in ("stopped", "cleaned") and state in ("RUNNING", "STARTING"):
            self.medialive.stop_channel(ChannelId=channel["Id"])
            return ChannelAction(sid, "medialive", "stopped", "STOPPING", channel["Arn"], note)
        if wanted == "cleaned" and state != "IDLE":
            return ChannelAction(sid, "medialive", "none", state, channel["Arn"], "waiting for IDLE to delete")
        if wanted == "cleaned":
            self.medialive.delete_channel(ChannelId=channel["Id"])
            for attachment in channel.get("InputAttachments", []):
                self.medialive.delete_input(InputId=attachment["InputId"])
            return ChannelAction(sid, "medialive", "deleted", "absent", channel["Arn"], note)
        return ChannelAction(sid, "medialive", action, state, channel["Arn"], note)

    def reconcile(self, sessions: Iterable[Mapping[str, Any]], now: datetime) -> list[ChannelAction]:
        """Each session's channels where ``now`` says they should be; one action per channel."""
        actions: list[ChannelAction] = []
        for session in sessions:
            wanted = phase(datetime.fromisoformat(session["start"]), datetime.fromisoformat(session["end"]), now)
            split = session.get("split") or {}
            for room in split.get("rooms") or (str(session["session_id"]),):  # one room per experiment arm
                done = []
                for service in session.get("video", ()):
                    if service == IVS:
                        done.append(self._ivs(session, room, wanted))
                    elif service == MEDIALIVE:
                        done.append(self._medialive(session, room, wanted))
                self._record_room(room, str(session["session_id"]), wanted, done)
                actions += done
        return actions

    def _record_room(self, room: str, session_id: str, wanted: str, done: list[ChannelAction]) -> None:
        """The room's channel for its cues (module docstring): written when it changed, gone when cleaned."""
        name = room_channel_parameter(self.market_id, room)
        if name is None:
            return
        if wanted == "cleaned":
            try:
                self.ssm.delete_parameter(Name=name)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ParameterNotFound":
                    raise
            return
        channels = [a for a in done if a.arn and a.state != "absent"]
        chosen = next((a for a in channels if a.service == IVS), None) or next(iter(channels), None)
        if chosen is None:
            return
        channel = chosen.arn if chosen.service == IVS else chosen.arn.rsplit(":", 1)[-1]  # MediaLive: its id
        record = RoomChannel(chosen.service, channel, session_id).to_json()
        try:
            current = self.ssm.get_parameter(Name=name)["Parameter"]["Value"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ParameterNotFound":
                raise
            current = None
        if current != record:
            self.ssm.put_parameter(Name=name, Value=record, Type="String", Overwrite=True)
