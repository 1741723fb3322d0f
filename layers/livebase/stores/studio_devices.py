"""The studio devices table: per device, its recent telemetry window and its incident state.

One item per (room, device), key ``device = <room>#<device>``. The window is the last
:data:`WINDOW_SAMPLES` samples as compact JSON (merged by timestamp, so a redelivered batch
rewrites the same window instead of adding to it); ``version`` makes every write conditional on
the item read, so two writers never lose each other's samples (the loser retries: transient).
The stream's partition key is the device id, so one shard, one consumer, owns each device.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from livebase.aws import TransientError
from livebase.studio.incidents import DeviceState
from livebase.studio.telemetry import Telemetry

WINDOW_SAMPLES = 24  # two minutes at 5 s: the predictor's trend uses the last 12
_BATCH_GET = 100


class DeviceWriteConflict(TransientError):
    """Another writer changed the device since it was read; the batch is retried."""


def device_key(room_id: str, device_id: str) -> str:
    return f"{room_id}#{device_id}"


@dataclass
class DeviceRecord:
    key: str
    window: list[Telemetry] = field(default_factory=list)
    state: DeviceState = field(default_factory=DeviceState)
    version: int = 0  # 0: not stored yet

    def merge(self, samples: Iterable[Telemetry]) -> list[Telemetry]:
        """Add samples (one per timestamp; the newest copy wins), keep the last ``WINDOW_SAMPLES``;
        returns the samples that were new, oldest first."""
        by_ts = {s.ts: s for s in self.window}
        floor = self.window[0].ts if len(self.window) >= WINDOW_SAMPLES else None  # older ones were judged
        fresh = list({s.ts: s for s in samples if s.ts not in by_ts and (floor is None or s.ts > floor)}.values())
        for sample in fresh:
            by_ts[sample.ts] = sample
        self.window = [by_ts[ts] for ts in sorted(by_ts)][-WINDOW_SAMPLES:]
        return sorted(fresh, key=lambda s: s.ts)


class StudioDeviceStore:
    def __init__(self, table: Any) -> None:
        self.table = table  # boto3 dynamodb Table resource

    def read(self, keys: Sequence[str]) -> dict[str, DeviceRecord]:
        found = {key: DeviceRecord(key) for key in keys}
        client = self.table.meta.client
        unique = sorted(set(keys))
        for start in range(0, len(unique), _BATCH_GET):
            chunk = [{"device": k} for k in unique[start : start + _BATCH_GET]]
            request: dict[str, Any] = {self.table.name: {"Keys": chunk, "ConsistentRead": True}}
            while request:
                response = client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.table.name, []):
                    found[item["device"]] = _record(item)
                request = response.get("UnprocessedKeys") or {}
        return found

    def write(self, record: DeviceRecord) -> None:
        """Store the record if nobody wrote the device since it was read (else DeviceWriteConflict)."""
        state = record.state
        item = {
            "device": record.key,
            "window": json.dumps([s.model_dump(mode="json", exclude_none=True) for s in record.window],
                                 separators=(",", ":")),
            "status": state.status,
            "incident_id": state.incident_id,
            "opened_at": state.opened_at,
            "healthy": state.healthy,
            "version": record.version + 1,
        }  # fmt: skip
        try:
            if record.version == 0:
                self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(device)")
            else:
                self.table.put_item(
                    Item=item, ConditionExpression="version = :v", ExpressionAttributeValues={":v": record.version}
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise DeviceWriteConflict(f"device {record.key}: written concurrently") from None
            raise
        record.version += 1


def _record(item: dict[str, Any]) -> DeviceRecord:
    window = [Telemetry.model_validate(s) for s in json.loads(str(item.get("window", "[]")))]
    state = DeviceState(
        status=str(item.get("status", "ok")),
        incident_id=str(item.get("incident_id", "")),
        opened_at=str(item.get("opened_at", "")),
        healthy=int(item.get("healthy", 0)),
    )
    return DeviceRecord(str(item["device"]), window, state, int(item.get("version", 0)))
