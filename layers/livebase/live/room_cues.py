"""Stock cues for the live room: a ``stock.low`` / ``stock.out`` bus event → timed metadata on the
room's live channel, so the host's overlay and the player show "only N left" / "sold out".

The pure part (:func:`cue_from_event`, :meth:`RoomCue.metadata`, :func:`id3_txxx`) and the calls
behind small adapters, one per video service a market has (``livebase.markets.config``: IVS where
the region offers it, MediaLive for sea, none for mena):

* :class:`IvsCues`: ``ivs.put_metadata(channelArn, metadata)`` (at most 1 KB, 5 calls/s per channel);
* :class:`MediaLiveCues`: ``medialive.batch_update_schedule`` with one immediate
  ``HlsTimedMetadataSettings`` action carrying an ID3v2.4 ``TXXX`` frame (description ``stock_cue``,
  value the same JSON), which MediaLive puts into the HLS rendition;
* :class:`NoVideo`: a market without live video; nothing is sent, the handler counts it.

Which channel: a planned session's room has its own channel (``flows/session_channels.py`` creates
one per room and service); the channels flow records it in an SSM parameter named by the room
(:func:`room_channel_parameter`: ``/livebase/<market>/rooms/<room>/channel``, a :class:`RoomChannel`
as JSON, IVS preferred, removed when the channel is cleaned up). :class:`RoomChannels` sends each
cue there, reading the parameter once per room a minute (one ``GetParameter``, cached in the
container, a missing one too), and to the market's own channel (:func:`cue_channel`) when the room
has no planned session. The market's channel is shared by its unplanned rooms, so the metadata names
the room (the player of the room on air shows it, others ignore it). The metadata carries no
personal data: SKU, level, units left, the cue text per language, the room id.
"""

from __future__ import annotations

import base64
import json
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from botocore.exceptions import ClientError

from livebase.signals import OtherSignal, SignalError, parse_event
from livebase.signals.stock import StockLevel

CUE_TYPE = "stock_cue"
MAX_METADATA_BYTES = 1024  # IVS PutMetadata's limit; kept for MediaLive too (one player contract)
IVS, MEDIALIVE, NONE = "ivs", "medialive", "none"
_MAX_TEXT = 120


class NotACue(ValueError):
    """A bus event the room-cue function cannot turn into a cue (the reason names the field)."""


@dataclass(frozen=True)
class RoomCue:
    """One cue for one room: what the player and the host's overlay read."""

    event_id: str  # the bus event's id: one cue per event, however often delivered
    market: str
    room_id: str
    sku: str
    level: str  # "low" | "out"
    units: int
    text: Mapping[str, str]  # language -> cue line, in the market's languages (first = primary)

    def payload(self, languages: int | None = None) -> dict[str, Any]:
        text = dict(list(self.text.items())[:languages])
        return {"type": CUE_TYPE, "room": self.room_id, "sku": self.sku, "level": self.level,
                "units": self.units, "text": text}  # fmt: skip

    def metadata(self) -> str:
        """Compact JSON of at most :data:`MAX_METADATA_BYTES` UTF-8 bytes: languages from the
        last are dropped until it fits (the market's first language always stays)."""
        for keep in range(len(self.text), 0, -1):
            encoded = json.dumps(self.payload(keep), ensure_ascii=False, separators=(",", ":"))
            if len(encoded.encode("utf-8")) <= MAX_METADATA_BYTES:
                return encoded
        raise NotACue("metadata: over 1 KB even with one language")


def cue_from_event(event: Mapping[str, Any]) -> RoomCue | None:
    """The cue a bus event asks for; None when it is no stock signal for a room (nothing to show)."""
    try:
        delivered = parse_event(event, StockLevel)
    except OtherSignal:
        return None
    except SignalError as refused:
        raise NotACue(str(refused)) from None
    signal = delivered.signal
    if signal.room_id is None:
        return None
    try:
        event_id = delivered.require_id()
    except SignalError as refused:
        raise NotACue(str(refused)) from None
    text = {language: line[:_MAX_TEXT] for language, line in signal.cue.items()}
    return RoomCue(event_id, signal.market, signal.room_id, signal.sku, signal.LEVEL, signal.remaining, text)


def _synchsafe(size: int) -> bytes:
    if size >= 1 << 28:
        raise ValueError("ID3 size over 256 MB")
    return bytes(((size >> shift) & 0x7F) for shift in (21, 14, 7, 0))


def id3_txxx(description: str, value: str) -> bytes:
    """One ID3v2.4 tag holding one ``TXXX`` (user text) frame, UTF-8 encoded."""
    body = b"\x03" + description.encode("utf-8") + b"\x00" + value.encode("utf-8")
    frame = b"TXXX" + _synchsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + _synchsafe(len(frame)) + frame


class CueChannel(Protocol):
    """Where a market's cues go: ``request`` is the API call's parameters, ``send`` makes it."""

    @property
    def service(self) -> str: ...

    def request(self, cue: RoomCue) -> dict[str, Any]: ...

    def send(self, cue: RoomCue) -> dict[str, Any]: ...


@dataclass(frozen=True)
class _OneCall(ABC):
    """A channel whose cue is one call of its client: ``OPERATION`` (the boto3 method) with the request."""

    client: Any  # boto3 "ivs" / "medialive"
    OPERATION: ClassVar[str]

    @abstractmethod
    def request(self, cue: RoomCue) -> dict[str, Any]:
        """The keyword arguments of ``OPERATION`` that deliver ``cue``."""

    def send(self, cue: RoomCue) -> dict[str, Any]:
        request = self.request(cue)
        getattr(self.client, self.OPERATION)(**request)
        return request


@dataclass(frozen=True)
class IvsCues(_OneCall):
    channel_arn: str
    service: str = IVS
    OPERATION: ClassVar[str] = "put_metadata"

    def request(self, cue: RoomCue) -> dict[str, Any]:
        return {"channelArn": self.channel_arn, "metadata": cue.metadata()}


@dataclass(frozen=True)
class MediaLiveCues(_OneCall):
    channel_id: str
    service: str = MEDIALIVE
    OPERATION: ClassVar[str] = "batch_update_schedule"

    def request(self, cue: RoomCue) -> dict[str, Any]:
        id3 = base64.b64encode(id3_txxx(CUE_TYPE, cue.metadata())).decode("ascii")
        action = {
            "ActionName": f"{CUE_TYPE}-{cue.event_id}",  # unique in the channel's schedule
            "ScheduleActionStartSettings": {"ImmediateModeScheduleActionStartSettings": {}},
            "ScheduleActionSettings": {"HlsTimedMetadataSettings": {"Id3": id3}},
        }
        return {"ChannelId": self.channel_id, "Creates": {"ScheduleActions": [action]}}


@dataclass(frozen=True)
class NoVideo:
    """A market without live video (mena): no channel to put a cue on."""

    service: str = NONE

    def request(self, cue: RoomCue) -> dict[str, Any]:
        return {}

    def send(self, cue: RoomCue) -> dict[str, Any]:
        return {}


def channel_setting(channel: str, parameter: str, ssm: Any | None) -> str:
    """The channel a cue goes to: ``CUE_CHANNEL`` when the market's stack holds it, else the value of
    the SSM parameter ``CUE_CHANNEL_PARAMETER`` its media stack writes in the media Region (mena)."""
    if channel or not parameter:
        return channel
    if ssm is None:
        raise ValueError("CUE_CHANNEL_PARAMETER is set but no SSM client was given to read it")
    return str(ssm.get_parameter(Name=parameter)["Parameter"]["Value"])


def cue_channel(service: str, channel: str, session: Any) -> CueChannel:
    """The market's channel adapter, from the function's ``CUE_SERVICE`` / ``CUE_CHANNEL`` settings."""
    if service == IVS:
        return IvsCues(session.client("ivs"), channel)
    if service == MEDIALIVE:
        return MediaLiveCues(session.client("medialive"), channel)
    if service == NONE:
        return NoVideo()
    raise ValueError(f"CUE_SERVICE {service!r}: expected {IVS}, {MEDIALIVE} or {NONE}")


ROOM_CHANNEL_PARAMETER = "/livebase/{market}/rooms/{room}/channel"
ROOM_CACHE_SECONDS = 60.0  # a room's channel changes when a session is planned or cleaned up, not per cue
ROOM_CACHE_SIZE = 1024
_PARAMETER_ROOM = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")  # what an SSM parameter name can hold


def room_channel_parameter(market: str, room_id: str) -> str | None:
    """The SSM parameter naming a planned room's channel; None for a room id no parameter name can hold
    (such a room is never planned: planned rooms are session ids)."""
    if not _PARAMETER_ROOM.match(room_id):
        return None
    return ROOM_CHANNEL_PARAMETER.format(market=market, room=room_id)


@dataclass(frozen=True)
class RoomChannel:
    """A planned room's own channel, as the session-channels flow records it."""

    service: str  # IVS or MEDIALIVE
    channel: str  # IVS: the channel ARN; MediaLive: the channel id (what each adapter's call takes)
    session_id: str

    def to_json(self) -> str:
        return json.dumps({"service": self.service, "channel": self.channel, "session_id": self.session_id},
                          sort_keys=True)  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> RoomChannel:
        """Raises ValueError for anything but a recorded channel of a known service."""
        value = json.loads(text)
        if not isinstance(value, dict) or value.get("service") not in (IVS, MEDIALIVE) or not value.get("channel"):
            raise ValueError("not a room channel record")
        return cls(str(value["service"]), str(value["channel"]), str(value.get("session_id", "")))

    def adapter(self, session: Any) -> CueChannel:
        """The adapter sending to this channel (``session``: a boto3 session of the channel's Region)."""
        return cue_channel(self.service, self.channel, session)


class RoomChannels:
    """The channel a cue goes to: its room's planned session's, else the market's (module docstring).

    ``ssm`` reads the rooms' parameters in the Region of the channels (None: every cue to the market's
    channel); ``session`` is a boto3 session of that Region; ``clock`` is monotonic.
    A parameter that is missing (or not a channel record) sends the room's cues to the market's channel;
    any other error of the read is raised (the bus retries the cue).
    """

    def __init__(
        self,
        market: CueChannel,
        market_id: str,
        ssm: Any | None,
        session: Any,
        *,
        ttl: float = ROOM_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.market, self.market_id, self.ssm, self._session = market, market_id, ssm, session
        self.ttl, self._clock = ttl, clock
        self._rooms: dict[str, tuple[float, CueChannel]] = {}

    @property
    def service(self) -> str:
        """The market's service (NONE: no live video, so no planned room has a channel either)."""
        return self.market.service

    def route(self, cue: RoomCue) -> CueChannel:
        """The channel adapter of the cue's room."""
        now = self._clock()
        cached = self._rooms.get(cue.room_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = self._lookup(cue.room_id)
        if len(self._rooms) >= ROOM_CACHE_SIZE:
            self._rooms.pop(next(iter(self._rooms)))
        self._rooms[cue.room_id] = (now + self.ttl, found)
        return found

    def request(self, cue: RoomCue) -> dict[str, Any]:
        return self.route(cue).request(cue)

    def send(self, cue: RoomCue) -> dict[str, Any]:
        return self.route(cue).send(cue)

    def _lookup(self, room_id: str) -> CueChannel:
        name = room_channel_parameter(self.market_id, room_id)
        if self.ssm is None or name is None or self.market.service == NONE:
            return self.market
        try:
            value = self.ssm.get_parameter(Name=name)["Parameter"]["Value"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return self.market
            raise
        try:
            return RoomChannel.from_json(str(value)).adapter(self._session)
        except ValueError:
            return self.market
