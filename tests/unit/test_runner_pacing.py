"""The Kinesis runner's pacing per shard: the template's batching window, and how soon a shard is read again.

A fake Kinesis (one shard) and a clock the test moves (``kinesis_shards.monotonic``).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from livebase_local.aws.mappings import EventSourceConfig
from livebase_local.runner import kinesis_shards
from livebase_local.runner.kinesis_shards import ACTIVE_POLL_SECONDS, ACTIVE_SECONDS, ShardState
from livebase_local.runner.kinesis_source import KinesisEventSource

SHARD = "shardId-000000000000"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(kinesis_shards, "monotonic", fake)
    return fake


class FakeKinesis:
    """One shard; ``put`` appends records; iterators are the last sequence number read."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def put(self, count: int) -> None:
        start = len(self.records) + 1
        for n in range(start, start + count):
            self.records.append({"SequenceNumber": str(n), "PartitionKey": "p", "Data": json.dumps({"n": n}).encode(),
                                 "ApproximateArrivalTimestamp": datetime.now(UTC)})  # fmt: skip

    def get_paginator(self, name: str) -> Any:
        class Pages:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return [{"Shards": [{"ShardId": SHARD}]}]

        return Pages()

    def get_shard_iterator(self, **request: Any) -> dict[str, str]:
        return {"ShardIterator": request.get("StartingSequenceNumber", "0")}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        batch = [r for r in self.records if int(r["SequenceNumber"]) > int(ShardIterator)][:Limit]
        return {"Records": batch, "NextShardIterator": batch[-1]["SequenceNumber"] if batch else ShardIterator}


class Seen:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.batches.append([json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in event["Records"]])
        return {"batchItemFailures": []}


def source(window: int, batch_size: int = 10) -> tuple[KinesisEventSource, FakeKinesis, Seen]:
    config = EventSourceConfig(
        market="eu", region="eu-central-1", function_name="livebase-eu-ingest", handler="handler.lambda_handler",
        code_path=None, stream_name="s", stream_arn="arn:aws:kinesis:eu-central-1:123456789012:stream/s",
        dlq_url=None, dlq_arn=None, batch_size=batch_size, report_batch_item_failures=True,
        maximum_batching_window_seconds=window,
    )  # fmt: skip
    kinesis, seen = FakeKinesis(), Seen()
    return KinesisEventSource(config, seen, kinesis=kinesis, sqs=object()), kinesis, seen


def test_without_a_batching_window_a_short_batch_goes_at_once(clock: Clock) -> None:
    runner, kinesis, seen = source(window=0)
    kinesis.put(3)
    runner.poll_once()
    assert seen.batches == [[1, 2, 3]]


def test_a_short_batch_waits_for_the_window_from_its_first_record(clock: Clock) -> None:
    runner, kinesis, seen = source(window=2)
    kinesis.put(3)
    runner.poll_once()
    assert seen.batches == [] and not runner.caught_up  # read and held, not lost
    clock.now += 1.0
    kinesis.put(2)
    runner.poll_once()
    assert seen.batches == []
    clock.now += 1.0  # two seconds after the first record was read
    runner.poll_once()
    assert seen.batches == [[1, 2, 3, 4, 5]]
    assert runner.caught_up and runner.counters.succeeded == 5


def test_a_full_batch_does_not_wait_for_the_window(clock: Clock) -> None:
    runner, kinesis, seen = source(window=300, batch_size=4)
    kinesis.put(6)
    runner.poll_once()
    assert seen.batches == [[1, 2, 3, 4]]  # the two left start a window of their own
    runner.poll_once()
    assert seen.batches == [[1, 2, 3, 4]]
    clock.now += 300
    runner.poll_once()
    assert seen.batches == [[1, 2, 3, 4], [5, 6]]


def test_an_active_shard_is_read_again_soon_an_idle_one_at_the_idle_pace(clock: Clock) -> None:
    shard = ShardState(SHARD)
    assert shard.pause(0.2) == 0.2  # never had records
    shard.worked(3)
    assert shard.pause(0.2) == ACTIVE_POLL_SECONDS
    shard.worked(0)  # an empty read does not extend the active time
    clock.now += ACTIVE_SECONDS + 0.01
    assert shard.pause(0.2) == 0.2
    assert shard.pause(0.01) == 0.01  # a caller's shorter idle pause is kept
