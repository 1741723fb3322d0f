"""The Kinesis runner's checkpoints on disk: a restarted runner resumes where the killed one had settled.

A fake Kinesis (one shard, records 1..N) and a handler that records what it saw; a "kill" is
dropping the runner object mid-way (its memory is gone, only the checkpoint files remain).
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest

from livebase_local.aws.mappings import EventSourceConfig
from livebase_local.runner.checkpoints import CheckpointStore, ShardCheckpoint, split_into_batches
from livebase_local.runner.kinesis_source import KinesisEventSource
from tests.support.fake_kinesis import SHARD, OneShardKinesis


class FakeSqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:
        self.sent.append(json.loads(MessageBody))


def config(batch_size: int = 10) -> EventSourceConfig:
    return EventSourceConfig(
        market="eu", region="eu-central-1", function_name="livebase-eu-ingest", handler="handler.lambda_handler",
        code_path=None, stream_name="s", stream_arn="arn:aws:kinesis:eu-central-1:123456789012:stream/s",
        dlq_url="https://dlq", dlq_arn="arn:aws:sqs:eu-central-1:123456789012:dlq", batch_size=batch_size,
        bisect_batch_on_error=True, maximum_retry_attempts=3, report_batch_item_failures=True,
    )  # fmt: skip


class Seen:
    """A handler that remembers each invocation's sequence numbers; ``fail_at`` raises for a batch holding it."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_at = fail_at

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        seqs = [int(r["kinesis"]["sequenceNumber"]) for r in event["Records"]]
        for record in event["Records"]:
            json.loads(base64.b64decode(record["kinesis"]["data"]))
        self.batches.append(seqs)
        if self.fail_at is not None and self.fail_at in seqs:
            raise RuntimeError("boom")
        return {"batchItemFailures": []}


def runner(kinesis: OneShardKinesis, handler: Seen, store: CheckpointStore, batch_size: int = 10) -> KinesisEventSource:
    return KinesisEventSource(config(batch_size), handler, kinesis=kinesis, sqs=FakeSqs(), checkpoints=store)


def test_store_round_trip_and_missing(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    assert store.load("f", SHARD) == ShardCheckpoint()
    store.save("f", SHARD, ShardCheckpoint("42", (("43", "52"), ("53", "60"))))
    assert store.load("f", SHARD) == ShardCheckpoint("42", (("43", "52"), ("53", "60")))
    assert [p.name for p in (tmp_path / "f").iterdir()] == [f"{SHARD}.json"]  # no temporary left behind
    assert store.all() == {("f", SHARD): ShardCheckpoint("42", (("43", "52"), ("53", "60")))}


def test_split_rebuilds_the_pending_batches() -> None:
    records = [{"SequenceNumber": str(n)} for n in (5, 6, 8, 9, 10, 11, 12)]
    batches, rest = split_into_batches(records, (("5", "6"), ("7", "10")))  # type: ignore[arg-type]
    assert [[r["SequenceNumber"] for r in b] for b in batches] == [["5", "6"], ["8", "9", "10"]]
    assert [r["SequenceNumber"] for r in rest] == ["11", "12"]


def test_restart_resumes_after_the_checkpoint(tmp_path: Path) -> None:
    kinesis, store = OneShardKinesis(35), CheckpointStore(tmp_path)
    first = Seen()
    source = runner(kinesis, first, store)
    source.poll_once()
    source.poll_once()  # two batches of ten settled, then the runner "dies"
    assert store.load("livebase-eu-ingest", SHARD) == ShardCheckpoint("20", ())
    second = Seen()
    runner(kinesis, second, store).drain(timeout=5)
    assert second.batches[0][0] == 21
    assert sorted(n for b in first.batches + second.batches for n in b) == list(range(1, 36))
    assert store.load("livebase-eu-ingest", SHARD) == ShardCheckpoint("35", ())


def test_a_batch_cut_off_mid_invocation_is_redelivered_with_the_same_records(tmp_path: Path) -> None:
    kinesis, store = OneShardKinesis(40), CheckpointStore(tmp_path)
    source = runner(kinesis, Seen(), store)
    source.poll_once()  # 1-10 settled
    # The kill comes while 11-20, bisected after a failure, waits as two halves: what was saved then.
    store.save("livebase-eu-ingest", SHARD, ShardCheckpoint("10", (("11", "16"), ("17", "20"))))  # bisected halves
    again = Seen()
    runner(kinesis, again, store, batch_size=10).drain(timeout=5)
    assert again.batches[:3] == [list(range(11, 17)), list(range(17, 21)), list(range(21, 31))]


def test_pending_is_saved_before_the_invocation(tmp_path: Path) -> None:
    kinesis, store = OneShardKinesis(10), CheckpointStore(tmp_path)
    seen: list[ShardCheckpoint] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(store.load("livebase-eu-ingest", SHARD))
        return {"batchItemFailures": []}

    before = time.time()
    KinesisEventSource(config(), handler, kinesis=kinesis, sqs=FakeSqs(), checkpoints=store).poll_once()
    assert [(c.sequence, c.pending) for c in seen] == [(None, (("1", "10"),))]
    assert seen[0].invoked_at is not None and seen[0].invoked_at >= before
    assert store.load("livebase-eu-ingest", SHARD) == ShardCheckpoint("10", ())


def test_a_cut_off_invocation_is_retried_only_after_its_timeout(tmp_path: Path) -> None:
    kinesis, store = OneShardKinesis(10), CheckpointStore(tmp_path)
    cut_off = time.time() - config().timeout_seconds + 0.5  # "timed out" half a second from now
    store.save("livebase-eu-ingest", SHARD, ShardCheckpoint(None, (("1", "10"),), cut_off))
    handler = Seen()
    source = runner(kinesis, handler, store)
    source.poll_once()
    assert handler.batches == []  # still within the cut-off invocation's timeout
    time.sleep(0.6)
    source.poll_once()
    assert handler.batches == [list(range(1, 11))]


@pytest.mark.parametrize("fail_at", [3, 17])
def test_bisected_halves_are_checkpointed_in_order(tmp_path: Path, fail_at: int) -> None:
    kinesis, store = OneShardKinesis(20), CheckpointStore(tmp_path)
    source = runner(kinesis, Seen(fail_at=fail_at), store)
    source.drain(timeout=5)
    assert store.load("livebase-eu-ingest", SHARD) == ShardCheckpoint("20", ())
    assert source.counters.sent_to_dlq == 1  # the poison record alone, after its retries
