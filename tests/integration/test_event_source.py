"""The local event-source runner against real Kinesis/SQS wire calls (moto server).

Each test gets its own stream and DLQ, with the mapping settings of the deployed ``eu`` stack
(read from the original template) unless the test overrides one, and a small test handler.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from livebase_local.aws.mappings import EventSourceConfig
from livebase_local.runner.kinesis_source import KinesisEventSource, NotAKinesisReply
from livebase_local.runner.sources import EventSources
from tests.support.local_aws import LocalAwsStack

REGION = "eu-central-1"


@pytest.fixture
def make_config(local_aws: LocalAwsStack) -> Callable[..., EventSourceConfig]:
    """The deployed eu ingest mapping, pointed at a fresh stream (``shards`` shards) and a fresh DLQ."""
    (deployed,) = [c for c in local_aws.deployments["eu"].event_sources if c.function_name.endswith("-ingest")]

    def make(shards: int = 2, **overrides: Any) -> EventSourceConfig:
        name = f"test-{uuid.uuid4().hex[:10]}"
        kinesis = boto3.client("kinesis", region_name=REGION)
        kinesis.create_stream(StreamName=name, ShardCount=shards)
        arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
        dlq_url = boto3.client("sqs", region_name=REGION).create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        return replace(deployed, stream_name=name, stream_arn=arn, dlq_url=dlq_url, **overrides)

    return make


@pytest.fixture
def config(make_config: Callable[..., EventSourceConfig]) -> EventSourceConfig:
    return make_config()


def put(config: EventSourceConfig, count: int) -> list[dict[str, Any]]:
    """Put ``count`` JSON records spread over the shards; returns them as {"n": i} payloads."""
    kinesis = boto3.client("kinesis", region_name=REGION)
    payloads = [{"n": i} for i in range(count)]
    for start in range(0, count, 500):
        chunk = payloads[start : start + 500]
        kinesis.put_records(
            StreamName=config.stream_name,
            Records=[{"Data": json.dumps(p).encode(), "PartitionKey": f"room-{p['n'] % 14}"} for p in chunk],
        )
    return payloads


def numbers(event: dict[str, Any]) -> list[int]:
    return [json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in event["Records"]]


def dlq_messages(config: EventSourceConfig) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    found: list[dict[str, Any]] = []
    while True:
        reply = sqs.receive_message(QueueUrl=config.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        if not reply.get("Messages"):
            return found
        for message in reply["Messages"]:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=config.dlq_url, ReceiptHandle=message["ReceiptHandle"])


Handler = Callable[[dict[str, Any], Any], Any]


def recording(inner: Callable[[dict[str, Any]], Any] | None = None) -> tuple[Handler, list[list[int]]]:
    calls: list[list[int]] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        calls.append(numbers(event))
        return inner(event) if inner else {"batchItemFailures": []}

    return handler, calls


def test_handler_gets_real_kinesis_event_and_context_shapes(config: EventSourceConfig) -> None:
    seen: list[tuple[dict[str, Any], Any]] = []
    put(config, 3)
    KinesisEventSource(config, lambda event, context: seen.append((event, context))).drain()
    records = [r for event, _ in seen for r in event["Records"]]
    assert len(records) == 3
    record = records[0]
    assert set(record["kinesis"]) == {"kinesisSchemaVersion", "partitionKey", "sequenceNumber", "data",
                                      "approximateArrivalTimestamp"}  # fmt: skip
    assert json.loads(base64.b64decode(record["kinesis"]["data"]))["n"] in {0, 1, 2}
    assert isinstance(record["kinesis"]["approximateArrivalTimestamp"], float)
    assert record["eventSource"] == "aws:kinesis" and record["eventName"] == "aws:kinesis:record"
    assert record["eventSourceARN"] == config.stream_arn and record["awsRegion"] == REGION
    assert (
        record["eventID"]
        == f"shardId-{record['eventID'].split('-')[1].split(':')[0]}:" + record["kinesis"]["sequenceNumber"]
    )
    assert record["invokeIdentityArn"].startswith("arn:aws:iam::")
    context = seen[0][1]
    assert context.function_name == config.function_name
    assert context.invoked_function_arn.endswith(f":function:{config.function_name}")
    assert 0 < context.get_remaining_time_in_millis() <= config.timeout_seconds * 1000
    assert len({c.aws_request_id for _, c in seen}) == len(seen)


def test_batch_size_is_honoured(config: EventSourceConfig) -> None:
    config = replace(config, batch_size=10)
    handler, calls = recording()
    put(config, 45)
    counters = KinesisEventSource(config, handler).drain()
    assert max(len(c) for c in calls) == 10
    assert sorted(n for call in calls for n in call) == list(range(45))
    assert counters.seen == counters.succeeded == 45 and counters.sent_to_dlq == 0


def test_filter_criteria_keep_other_records_from_the_handler(config: EventSourceConfig) -> None:
    config = replace(config, filter_patterns=('{"data": {"n": [3, 17, 40]}}',))
    handler, calls = recording()
    put(config, 45)
    counters = KinesisEventSource(config, handler).drain()
    assert sorted(n for call in calls for n in call) == [3, 17, 40]
    assert (counters.seen, counters.filtered, counters.succeeded) == (45, 42, 3)  # filtered count as processed


def test_partial_failure_redelivers_from_the_lowest_failed_record_only(
    make_config: Callable[..., EventSourceConfig],
) -> None:
    config = make_config(shards=1, batch_size=10)
    failed_once: set[int] = set()

    def inner(event: dict[str, Any]) -> dict[str, Any]:
        failures = []
        for record, n in zip(event["Records"], numbers(event), strict=True):
            if n in (5, 7) and n not in failed_once:  # 5 and 7 fail once: checkpoint before 5
                failed_once.add(n)
                failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
        return {"batchItemFailures": failures}

    handler, calls = recording(inner)
    put(config, 30)
    counters = KinesisEventSource(config, handler).drain()
    assert calls == [list(range(10)), [5, 6, 7, 8, 9], list(range(10, 20)), list(range(20, 30))]
    assert counters.succeeded == counters.seen == 30 and counters.sent_to_dlq == 0
    assert (counters.partial_failures, counters.failed) == (1, 5)


def test_unknown_item_identifier_fails_the_whole_batch(make_config: Callable[..., EventSourceConfig]) -> None:
    config = make_config(shards=1, maximum_retry_attempts=1, bisect_batch_on_error=False)
    handler, calls = recording(lambda event: {"batchItemFailures": [{"itemIdentifier": "not-a-sequence"}]})
    put(config, 4)
    counters = KinesisEventSource(config, handler).drain()
    assert calls == [[0, 1, 2, 3], [0, 1, 2, 3]]  # first try + one retry, whole batch each time
    assert counters.succeeded == 0 and counters.sent_to_dlq == 4
    (message,) = dlq_messages(config)
    assert "not in the batch" in message["errorMessage"]
    assert message["KinesisBatchInfo"]["batchSize"] == 4


def test_records_past_their_maximum_age_go_to_the_dlq_unprocessed(
    make_config: Callable[..., EventSourceConfig],
) -> None:
    config = make_config(shards=1, maximum_record_age_seconds=0)
    handler, calls = recording()
    put(config, 3)
    counters = KinesisEventSource(config, handler).drain()
    assert calls == [] and counters.sent_to_dlq == 3
    (message,) = dlq_messages(config)
    assert message["requestContext"]["condition"] == "RecordAgeExceeded"


def test_crashing_record_ends_in_the_dlq_with_the_reason_after_retries(config: EventSourceConfig) -> None:
    poison = 17
    attempts_on_poison = Counter[int]()

    def inner(event: dict[str, Any]) -> dict[str, Any]:
        if poison in numbers(event):
            attempts_on_poison[len(numbers(event))] += 1
            raise ValueError(f"cannot parse record {poison}")
        return {"batchItemFailures": []}

    handler, _ = recording(inner)
    put(config, 60)
    counters = KinesisEventSource(config, handler).drain()
    (message,) = dlq_messages(config)
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == config.maximum_retry_attempts + 1
    assert message["errorMessage"] == f"ValueError: cannot parse record {poison}"
    info = message["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["shardId"].startswith("shardId-") and info["streamArn"] == config.stream_arn
    assert attempts_on_poison[1] == config.maximum_retry_attempts + 1  # bisected down to the poison record
    assert counters.sent_to_dlq == 1 and counters.succeeded == 59 == counters.seen - 1


def test_without_bisect_the_whole_batch_goes_to_the_dlq(
    make_config: Callable[..., EventSourceConfig],
) -> None:
    config = make_config(shards=1, bisect_batch_on_error=False, maximum_retry_attempts=2, batch_size=5)

    def down(event: dict[str, Any]) -> None:
        raise RuntimeError("downstream unavailable")

    handler, calls = recording(down)
    put(config, 8)
    counters = KinesisEventSource(config, handler).drain()
    messages = dlq_messages(config)
    assert calls == [[0, 1, 2, 3, 4]] * 3 + [[5, 6, 7]] * 3  # first try + 2 retries per batch
    assert [m["KinesisBatchInfo"]["batchSize"] for m in messages] == [5, 3]
    assert counters.sent_to_dlq == 8 and counters.succeeded == 0 and counters.handler_errors == 6
    assert all(m["errorMessage"] == "RuntimeError: downstream unavailable" for m in messages)


class _FirstCallGoesWrong:
    """A real boto3 client whose first ``operation`` call gets ``first`` instead (raised if an exception)."""

    def __init__(self, service: str, operation: str, first: Exception | dict[str, Any]) -> None:
        self.real = boto3.client(service, region_name=REGION)
        self.operation, self.first, self.went_wrong = operation, first, 0

    def __getattr__(self, name: str) -> Any:
        call = getattr(self.real, name)
        return self._once(call) if name == self.operation else call

    def _once(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def first_goes_wrong(**request: Any) -> Any:
            if self.went_wrong:
                return call(**request)
            self.went_wrong += 1
            if isinstance(self.first, Exception):
                raise self.first
            return self.first

        return first_goes_wrong


@pytest.mark.parametrize("condition", ["RecordAgeExceeded", "RetryAttemptsExhausted"])
def test_a_dlq_notice_that_fails_keeps_its_records_pending_until_sent(
    make_config: Callable[..., EventSourceConfig], condition: str
) -> None:
    if condition == "RecordAgeExceeded":
        config = make_config(shards=1, maximum_record_age_seconds=0)
    else:
        config = make_config(shards=1, bisect_batch_on_error=False, maximum_retry_attempts=0)

    def down(event: dict[str, Any]) -> None:
        raise RuntimeError("downstream unavailable")

    handler, _ = recording(down)
    put(config, 3)
    sqs = _FirstCallGoesWrong("sqs", "send_message", EndpointConnectionError(endpoint_url="http://127.0.0.1:1/"))
    source = KinesisEventSource(config, handler, sqs=sqs)
    with pytest.raises(EndpointConnectionError):
        source.drain()  # `up`'s shard worker notes this and steps again; nothing has left the shard
    counters = source.drain()
    (message,) = dlq_messages(config)
    assert sqs.went_wrong == 1 and message["requestContext"]["condition"] == condition
    assert message["KinesisBatchInfo"]["batchSize"] == 3 and counters.sent_to_dlq == 3


def test_a_reply_that_is_not_kinesis_s_is_read_again_and_never_closes_the_shard(
    make_config: Callable[..., EventSourceConfig],
) -> None:
    config = make_config(shards=1)
    handler, calls = recording()
    put(config, 5)
    bare_200 = {"ResponseMetadata": {"HTTPStatusCode": 200}}  # what botocore makes of a 200 with an odd body
    kinesis = _FirstCallGoesWrong("kinesis", "get_records", bare_200)  # a restarting server's, seen in the soak
    source = KinesisEventSource(config, handler, kinesis=kinesis)
    with pytest.raises(NotAKinesisReply):
        source.drain()  # `up`'s shard worker notes it and reads again
    counters = source.drain()
    assert kinesis.went_wrong == 1 and sorted(n for call in calls for n in call) == list(range(5))
    assert counters.succeeded == 5


def test_nothing_is_lost_under_random_failures(config: EventSourceConfig) -> None:
    rng = random.Random(7)
    config = replace(config, batch_size=25, maximum_retry_attempts=1)

    def flaky(event: dict[str, Any], context: Any) -> dict[str, Any]:
        roll = rng.random()
        if roll < 0.15:
            raise ConnectionError("flaky downstream")
        if roll < 0.4:
            pick = rng.choice(event["Records"])
            return {"batchItemFailures": [{"itemIdentifier": pick["kinesis"]["sequenceNumber"]}]}
        return {"batchItemFailures": []}

    put(config, 300)
    counters = KinesisEventSource(config, flaky).drain()
    messages = dlq_messages(config)
    assert counters.seen == 300
    assert counters.succeeded + counters.sent_to_dlq == 300
    assert sum(m["KinesisBatchInfo"]["batchSize"] for m in messages) == counters.sent_to_dlq


def run_until_handled(source: KinesisEventSource, config: EventSourceConfig, count: int) -> bool:
    """``EventSources.run_forever`` in a thread while ``count`` records are put; True once it stopped cleanly."""
    stop = threading.Event()
    worker = threading.Thread(target=EventSources([source]).run_forever, args=(stop,), kwargs={"idle_sleep": 0.05})
    worker.start()
    try:
        put(config, count)
        for _ in range(400):
            if source.counters.succeeded == count:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(timeout=40)
    return not worker.is_alive()


def test_run_forever_processes_until_stopped(config: EventSourceConfig) -> None:
    handler, calls = recording()
    source = KinesisEventSource(config, handler)
    assert run_until_handled(source, config, 30)
    assert sorted(n for call in calls for n in call) == list(range(30))


def test_run_forever_gives_each_shard_its_own_worker_and_handler(
    make_config: Callable[..., EventSourceConfig],
) -> None:
    config = make_config(shards=4)
    threads: dict[str, set[str]] = {}
    lock = threading.Lock()

    def factory(shard_id: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            with lock:
                threads.setdefault(shard_id, set()).add(threading.current_thread().name)
            assert all(r["eventID"].startswith(f"{shard_id}:") for r in event["Records"])  # only its shard
            return {"batchItemFailures": []}

        return handler

    unused, _ = recording()
    source = KinesisEventSource(config, unused, handler_factory=factory)
    assert run_until_handled(source, config, 400)
    assert source.counters.succeeded == 400
    assert len(threads) == 4  # a handler instance per shard
    assert all(len(names) == 1 for names in threads.values())  # each shard always on its own worker
    assert len({name for names in threads.values() for name in names}) == 4
