"""Room cues, recorded instead of sent: moto 5.2.5 implements neither IVS ``PutMetadata`` nor
MediaLive ``BatchUpdateSchedule`` (both answer 404).

The room-cue handler's channel (``livebase.live.room_cues.RoomChannels``: the room's planned session's
channel or the market's, each an ``IvsCues`` / ``MediaLiveCues``) builds the exact request it would
send; locally :class:`RecordedCues` takes its place in the handler module
(``livebase_local.runner.bus_targets``) and writes that request (with the service of the channel it
went to), one object per call, to ``cues/<market>/<room>/<time_ns>-<id>.json`` in the market's data lake bucket
(:mod:`livebase_local.runner.recordings`): a second send of the same cue would show as a second
object. Nothing here runs in the cloud; the function's role has no grant on that prefix.
"""

from __future__ import annotations

import json
from typing import Any

from livebase.live.room_cues import CueChannel, RoomChannels, RoomCue
from livebase.markets.resources import MarketResources
from livebase_local.runner.recordings import Recorder, recorded

CUES_PREFIX = "cues"
_OPERATIONS = {"ivs": "PutMetadata", "medialive": "BatchUpdateSchedule", "none": None}


class RecordedCues(Recorder[CueChannel]):
    """The handler's ``channel``: the market's adapter builds the request, never sends it here."""

    PREFIX = CUES_PREFIX

    @property
    def channel(self) -> CueChannel:
        return self.inner

    @property
    def service(self) -> str:
        return self.channel.service

    def route(self, cue: RoomCue) -> CueChannel:
        """The channel the cue goes to (the room's own or the market's)."""
        return self.channel.route(cue) if isinstance(self.channel, RoomChannels) else self.channel

    def request(self, cue: RoomCue) -> dict[str, Any]:
        return self.route(cue).request(cue)

    def send(self, cue: RoomCue) -> dict[str, Any]:
        routed = self.route(cue)
        request = routed.request(cue)
        self.record(cue.room_id, {"service": routed.service, "operation": _OPERATIONS.get(routed.service),
                                  "request": request, "cue": cue.metadata(), "event_id": cue.event_id})  # fmt: skip
        return request


def recorded_cues(resources: MarketResources, s3: Any | None = None) -> list[dict[str, Any]]:
    """Every cue recorded for the market, oldest first, each with its ``room`` and parsed ``metadata``."""
    return [{**cue, "metadata": json.loads(cue["cue"])} for cue in recorded(resources, CUES_PREFIX, s3)]
