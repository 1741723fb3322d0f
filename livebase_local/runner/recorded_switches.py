"""Room failovers, recorded instead of sent: moto 5.2.5 runs no IoT data-plane delivery a test
could read back (``iot-data`` ``Publish`` is accepted and dropped) and has no MediaLive schedules
(``BatchUpdateSchedule`` answers 404).

The failover handler's switch (``livebase.studio.failover.RoomSwitch``) builds the exact calls it
would make; locally :class:`RecordedSwitches` takes its place in the handler module
(``livebase_local.runner.bus_targets``) and writes them, one object per failover, to
``failovers/<market>/<room>/<time_ns>-<id>.json`` in the market's data lake bucket (in the
market's region, like :mod:`livebase_local.runner.recorded_cues`): the demo and the tests read
them with one list call; a second switch of the same incident would show as a second object.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from livebase.markets.resources import MarketResources
from livebase.studio.failover import Failover, RoomSwitch, SwitchCall

FAILOVERS_PREFIX = "failovers"


@dataclass(frozen=True)
class RecordedSwitches:
    switch: RoomSwitch  # the market's real switch: builds the calls, never makes them here
    s3: Any
    bucket: str
    market: str

    def calls(self, failover: Failover) -> list[SwitchCall]:
        return self.switch.calls(failover)

    def send(self, failover: Failover) -> list[SwitchCall]:
        calls = self.calls(failover)
        recorded_ns = time.time_ns()
        record = {
            "incident_id": failover.incident_id,
            "device_id": failover.device_id,
            "kind": str(failover.kind),
            "reason": failover.reason,
            "predicted_seconds_to_failure": failover.predicted_seconds_to_failure,
            "event_id": failover.event_id,
            "calls": [asdict(c) for c in calls],
            "recorded_ns": recorded_ns,
        }
        key = f"{FAILOVERS_PREFIX}/{self.market}/{failover.room_id}/{recorded_ns}-{uuid.uuid4().hex[:8]}.json"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(record).encode("utf-8"))
        return calls


def recorded_switches(resources: MarketResources, s3: Any | None = None) -> list[dict[str, Any]]:
    """Every failover recorded for the market, oldest first, each with its ``room``."""
    import boto3

    client = s3 or boto3.client("s3", region_name=resources.region)
    prefix = f"{FAILOVERS_PREFIX}/{resources.market}/"
    records = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=resources.data_lake_bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            record = json.loads(client.get_object(Bucket=resources.data_lake_bucket, Key=item["Key"])["Body"].read())
            record["room"] = item["Key"].removeprefix(prefix).split("/", 1)[0]
            records.append(record)
    return sorted(records, key=lambda r: int(r["recorded_ns"]))
