"""Calls moto cannot take, recorded in the market's data lake instead: one object per call.

``<prefix>/<market>/<room>/<time_ns>-<id>.json`` in the market's bucket (in the market's region like
everything else of it): the demo, the tests and the benchmarks read them back with one list call,
and a second call shows as a second object (nothing overwrites). Used for room cues
(:mod:`livebase_local.runner.recorded_cues`) and room failovers (:mod:`livebase_local.runner.recorded_switches`).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, ClassVar, Generic, TypeVar

from livebase.markets.resources import MarketResources

Inner = TypeVar("Inner")


class Recorder(Generic[Inner]):
    """Stands in, in a handler module, for an adapter whose call moto lacks: ``inner`` (the market's real
    adapter) builds the call, the recorder writes it under ``PREFIX`` instead of making it."""

    PREFIX: ClassVar[str]

    def __init__(self, inner: Inner, s3: Any, bucket: str, market: str) -> None:
        self.inner, self.s3, self.bucket, self.market = inner, s3, bucket, market

    def record(self, room_id: str, body: dict[str, Any]) -> None:
        record(self.s3, self.bucket, self.PREFIX, self.market, room_id, body)


def record(s3: Any, bucket: str, prefix: str, market: str, room_id: str, body: dict[str, Any]) -> None:
    """Write one call (``body``, stamped ``recorded_ns``) under the room's prefix."""
    recorded_ns = time.time_ns()
    key = f"{prefix}/{market}/{room_id}/{recorded_ns}-{uuid.uuid4().hex[:8]}.json"
    stamped = {**body, "recorded_ns": recorded_ns}
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(stamped, ensure_ascii=False).encode("utf-8"))


def recorded(resources: MarketResources, prefix: str, s3: Any | None = None) -> list[dict[str, Any]]:
    """Every call recorded under ``prefix`` for the market, oldest first, each with its ``room``."""
    import boto3

    client = s3 or boto3.client("s3", region_name=resources.region)
    market_prefix = f"{prefix}/{resources.market}/"
    records = []
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=resources.data_lake_bucket, Prefix=market_prefix)
    for page in pages:
        for item in page.get("Contents", []):
            body = json.loads(client.get_object(Bucket=resources.data_lake_bucket, Key=item["Key"])["Body"].read())
            body["room"] = item["Key"].removeprefix(market_prefix).split("/", 1)[0]
            records.append(body)
    return sorted(records, key=lambda r: int(r["recorded_ns"]))
