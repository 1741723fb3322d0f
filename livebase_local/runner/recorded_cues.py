"""Room cues, recorded instead of sent: moto 5.2.5 implements neither IVS ``PutMetadata`` nor
MediaLive ``BatchUpdateSchedule`` (both answer 404).

The room-cue handler's channel adapter (``livebase.live.room_cues``: ``IvsCues`` / ``MediaLiveCues``)
builds the exact request it would send; locally :class:`RecordedCues` takes its place in the
handler module (``livebase_local.runner.bus_targets``) and writes that request, one object per
call, to ``cues/<market>/<room>/<time_ns>-<id>.json`` in the market's data lake bucket: in the
market's region like everything else of it, readable by the demo, the tests and the benchmark
with one list call, and a second send of the same cue would show as a second object (nothing
overwrites). Nothing here runs in the cloud; the function's role has no grant on that prefix.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from livebase.live.room_cues import CueChannel, RoomCue
from livebase.markets.resources import MarketResources

CUES_PREFIX = "cues"
_OPERATIONS = {"ivs": "PutMetadata", "medialive": "BatchUpdateSchedule", "none": None}


@dataclass(frozen=True)
class RecordedCues:
    channel: CueChannel  # the market's real adapter: builds the request, never sends it here
    s3: Any
    bucket: str
    market: str

    @property
    def service(self) -> str:
        return self.channel.service

    def request(self, cue: RoomCue) -> dict[str, Any]:
        return self.channel.request(cue)

    def send(self, cue: RoomCue) -> dict[str, Any]:
        request = self.request(cue)
        recorded_ns = time.time_ns()
        record = {
            "service": self.service,
            "operation": _OPERATIONS.get(self.service),
            "request": request,
            "cue": cue.metadata(),
            "event_id": cue.event_id,
            "recorded_ns": recorded_ns,
        }
        key = f"{CUES_PREFIX}/{self.market}/{cue.room_id}/{recorded_ns}-{uuid.uuid4().hex[:8]}.json"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(record, ensure_ascii=False).encode("utf-8"))
        return request


def recorded_cues(resources: MarketResources, s3: Any | None = None) -> list[dict[str, Any]]:
    """Every cue recorded for the market, oldest first, each with its ``room`` and parsed ``metadata``."""
    import boto3

    client = s3 or boto3.client("s3", region_name=resources.region)
    prefix = f"{CUES_PREFIX}/{resources.market}/"
    records = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=resources.data_lake_bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=resources.data_lake_bucket, Key=item["Key"])["Body"].read()
            record = json.loads(body)
            record["room"] = item["Key"].removeprefix(prefix).split("/", 1)[0]
            record["metadata"] = json.loads(record["cue"])
            records.append(record)
    return sorted(records, key=lambda r: int(r["recorded_ns"]))
