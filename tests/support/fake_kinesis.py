"""A one-shard Kinesis and a clock the test moves: what the runner's unit tests feed it, written once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

SHARD = "shardId-000000000000"


class ManualClock:
    """A monotonic clock that moves only when the test sets ``now``."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class OneShardKinesis:
    """One shard; records numbered from 1 carry ``{"n": n}``; an iterator is the last sequence number read."""

    def __init__(self, count: int = 0) -> None:
        self.records: list[dict[str, Any]] = []
        self.put(count)

    def put(self, count: int) -> None:
        start, now = len(self.records) + 1, datetime.now(UTC)
        for n in range(start, start + count):
            self.records.append({"SequenceNumber": str(n), "PartitionKey": "p", "Data": json.dumps({"n": n}).encode(),
                                 "ApproximateArrivalTimestamp": now})  # fmt: skip

    def get_paginator(self, name: str) -> Any:
        class Pages:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return [{"Shards": [{"ShardId": SHARD}]}]

        return Pages()

    def get_shard_iterator(self, **request: Any) -> dict[str, str]:
        after = request.get("StartingSequenceNumber", "0") if request["ShardIteratorType"] != "TRIM_HORIZON" else "0"
        return {"ShardIterator": after}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        batch = [r for r in self.records if int(r["SequenceNumber"]) > int(ShardIterator)][:Limit]
        return {"Records": batch, "NextShardIterator": batch[-1]["SequenceNumber"] if batch else ShardIterator}
