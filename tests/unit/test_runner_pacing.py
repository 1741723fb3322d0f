"""The Kinesis runner's pacing per shard: the template's batching window, and how soon a shard is read again.

A fake Kinesis (one shard) and a clock the test moves (``kinesis_shards.monotonic``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from livebase_local.aws.mappings import EventSourceConfig
from livebase_local.runner import kinesis_shards
from livebase_local.runner.kinesis_shards import ACTIVE_POLL_SECONDS, ACTIVE_SECONDS, ShardState
from livebase_local.runner.kinesis_source import KinesisEventSource
from tests.support.fake_kinesis import SHARD, ManualClock, OneShardKinesis


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    fake = ManualClock(1000.0)
    monkeypatch.setattr(kinesis_shards, "monotonic", fake)
    return fake


class Seen:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.batches.append([json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in event["Records"]])
        return {"batchItemFailures": []}


def source(window: int, batch_size: int = 10) -> tuple[KinesisEventSource, OneShardKinesis, Seen]:
    config = EventSourceConfig(
        market="eu", region="eu-central-1", function_name="livebase-eu-ingest", handler="handler.lambda_handler",
        code_path=None, stream_name="s", stream_arn="arn:aws:kinesis:eu-central-1:123456789012:stream/s",
        dlq_url=None, dlq_arn=None, batch_size=batch_size, report_batch_item_failures=True,
        maximum_batching_window_seconds=window,
    )  # fmt: skip
    kinesis, seen = OneShardKinesis(), Seen()
    return KinesisEventSource(config, seen, kinesis=kinesis, sqs=object()), kinesis, seen


def test_without_a_batching_window_a_short_batch_goes_at_once(clock: ManualClock) -> None:
    runner, kinesis, seen = source(window=0)
    kinesis.put(3)
    runner.poll_once()
    assert seen.batches == [[1, 2, 3]]


def test_a_short_batch_waits_for_the_window_from_its_first_record(clock: ManualClock) -> None:
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


def test_a_full_batch_does_not_wait_for_the_window(clock: ManualClock) -> None:
    runner, kinesis, seen = source(window=300, batch_size=4)
    kinesis.put(6)
    runner.poll_once()
    assert seen.batches == [[1, 2, 3, 4]]  # the two left start a window of their own
    runner.poll_once()
    assert seen.batches == [[1, 2, 3, 4]]
    clock.now += 300
    runner.poll_once()
    assert seen.batches == [[1, 2, 3, 4], [5, 6]]


def test_an_active_shard_is_read_again_soon_an_idle_one_at_the_idle_pace(clock: ManualClock) -> None:
    shard = ShardState(SHARD)
    assert shard.pause(0.2) == 0.2  # never had records
    shard.worked(3)
    assert shard.pause(0.2) == ACTIVE_POLL_SECONDS
    shard.worked(0)  # an empty read does not extend the active time
    clock.now += ACTIVE_SECONDS + 0.01
    assert shard.pause(0.2) == 0.2
    assert shard.pause(0.01) == 0.01  # a caller's shorter idle pause is kept
