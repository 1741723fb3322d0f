"""The stream consumers on the deployed market stacks: Kinesis → ingest, orders → DynamoDB, EventBridge, DLQ.

Records go through the real path: put on the market's stream in the local AWS, read by the
event-source runner with each mapping's settings (the orders mapping's filter included), handled
by the handlers loaded for that market.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from livebase.live.room_minutes import fold_items
from livebase.stores.order_table import order_model
from livebase_local.simulator.stock import stock_store
from tests.support.local_aws import LocalAwsStack
from tests.support.pipeline import TS, TS_LATER, Pipeline, open_pipeline, order, unique

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sea(local_aws: LocalAwsStack) -> Iterator[Pipeline]:
    yield open_pipeline(local_aws, "sea")


def test_orders_are_stored_and_announced(sea: Pipeline) -> None:
    ids = [unique("ord-happy") for _ in range(5)]
    sea.send([order(i, quantity=n + 1) for n, i in enumerate(ids)])
    model = order_model(sea.resources.orders_table, sea.resources.region)
    stored = {record.order_id: record for record in model.batch_get(ids)}
    assert set(stored) == set(ids)
    assert [int(stored[i].lines[0].quantity) for i in ids] == [1, 2, 3, 4, 5]
    assert stored[ids[2]].total == "31.50" and stored[ids[2]].viewer_id.startswith("v_")
    announced = [e for e in sea.emitted() if e["detail"].get("order_id") in ids]
    assert sorted(e["detail"].get("order_id") for e in announced) == sorted(ids)
    assert all(e["detail-type"] == "OrderPlaced" and "viewer_id" not in e["detail"] for e in announced)


def test_duplicate_delivery_writes_and_announces_once(sea: Pipeline) -> None:
    order_id = unique("ord-dup")
    record = order(order_id)
    sea.send([record, record])  # the producer retried
    sea.send([record])  # and again, later: a new batch
    model = order_model(sea.resources.orders_table, sea.resources.region)
    assert model.get(order_id).event_id == f"evt-{order_id}"
    announced = [e for e in sea.emitted() if e["detail"].get("order_id") == order_id]
    assert len(announced) == 1
    counters = sea.sources.counters()
    assert all(c.sent_to_dlq == 0 for c in counters.values())


def test_malformed_records_are_quarantined_with_reasons_and_the_rest_processed(sea: Pipeline) -> None:
    good = [unique("ord-ok") for _ in range(3)]
    marker = unique("bad")
    malformed = [
        b'{"event_id": "' + marker.encode() + b'", "type": "order_placed"',  # truncated JSON
        order(unique("ord-bad"), viewer_id="alice@example.com", event_id=marker + "-pii"),
        order(unique("ord-bad"), schema_version=7, event_id=marker + "-version"),
    ]
    sea.send([order(good[0]), malformed[0], order(good[1]), malformed[1], malformed[2], order(good[2])])

    model = order_model(sea.resources.orders_table, sea.resources.region)
    assert {r.order_id for r in model.batch_get(good)} == set(good)
    letters = [
        d for d in sea.dead_letters()
        if marker.encode() in base64.b64decode(d.get("record", {}).get("data", ""))
    ]  # fmt: skip
    assert len(letters) == 3
    reasons = sorted(d["reason"] for d in letters)
    assert any("Invalid JSON" in r or "EOF" in r for r in reasons), reasons
    assert any(r.startswith("order_placed.viewer_id") for r in reasons), reasons
    assert any("schema_version" in r for r in reasons), reasons
    assert not any("alice@example.com" in r for r in reasons)  # reasons never echo the input
    assert all(d["condition"] == "ValidationFailed" for d in letters)
    s3 = boto3.client("s3", region_name=sea.resources.region)
    objects = {d["quarantineObject"] for d in letters}  # one per quarantining batch (shards differ)
    lines = [
        line
        for key in objects
        for line in s3.get_object(Bucket=sea.resources.data_lake_bucket, Key=key)["Body"].read().decode().splitlines()
    ]
    assert sum(marker.encode() in base64.b64decode(json.loads(line)["data"]) for line in lines) == 3
    assert all(c.sent_to_dlq == 0 for c in sea.sources.counters().values())  # nothing retried to death


def test_direct_invocation_of_a_sample_event_reports_no_failures(sea: Pipeline) -> None:
    from livebase_local.runner.lambda_shapes import LambdaContext

    sample = json.loads(Path("events/kinesis_order_placed.json").read_text())
    config = sea.consumer("orders").config
    response = sea.handlers["orders"](sample, LambdaContext(config))
    assert response == {"batchItemFailures": []}
    assert order_model(sea.resources.orders_table, sea.resources.region).get("ord-sea-000001").currency == "SGD"


def test_stock_is_reserved_and_an_order_beyond_it_is_rejected_with_stock_out(sea: Pipeline) -> None:
    first, second, late = unique("ord-scarce"), unique("ord-scarce"), unique("ord-scarce")
    lines = [{"sku": "SKU-SCARCE-1", "quantity": 2, "unit_price": "99.00"}]
    sea.send([order(first, lines=lines), order(second, lines=lines)])
    model = order_model(sea.resources.orders_table, sea.resources.region)
    assert [model.get(i).status for i in (first, second)] == ["placed", "rejected"]
    item = stock_store(sea.resources).get("SKU-SCARCE-1", "WH-SEA-1")
    assert item is not None and (item.available, item.reserved) == (1, 2)

    sea.send([order(late, lines=[{"sku": "SKU-SCARCE-1", "quantity": 1, "unit_price": "99.00"}])])
    events = sea.emitted()
    rejected = [e for e in events if e["detail"].get("order_id") == second]
    assert rejected[0]["detail-type"] == "OrderRejected" and "SKU-SCARCE-1" in rejected[0]["detail"]["reason"]
    item = stock_store(sea.resources).get("SKU-SCARCE-1", "WH-SEA-1")
    assert item is not None and (item.available, item.reserved) == (0, 3)
    signals = [e for e in events if e["source"] == "livebase.inventory" and "SKU-SCARCE-1" in json.dumps(e)]
    assert {e["detail-type"] for e in signals} == {"stock.low", "stock.out"}, signals

    cancel = {
        "event_id": f"evt-cancel-{first}", "type": "order_cancelled", "market": "sea", "room_id": "room-test",
        "session_id": "sess-test", "ts": TS_LATER, "viewer_id": "v_0123456789abcdef0123",
        "order_id": first,
    }  # fmt: skip
    sea.send([json.dumps(cancel).encode()] * 2)  # delivered twice: released once
    item = stock_store(sea.resources).get("SKU-SCARCE-1", "WH-SEA-1")
    assert item is not None and (item.available, item.reserved) == (2, 1)
    assert model.get(first).status == "cancelled"


def test_replay_sends_each_dead_letter_to_the_consumer_that_failed(sea: Pipeline) -> None:
    """Quarantined records go back on the stream; an orders batch goes to the orders function only."""
    from livebase_local.commands.replay import local_orders_function, replay_dead_letters
    from livebase_local.runner.lambda_shapes import on_failure_record

    sea.dead_letters()  # what earlier tests quarantined on purpose
    kinesis = boto3.client("kinesis", region_name=sea.resources.region)
    sqs = boto3.client("sqs", region_name=sea.resources.region)
    order_id = unique("ord-replay")
    put = kinesis.put_record(StreamName=sea.resources.stream_name, PartitionKey="replay", Data=order(order_id))
    ingest, orders = (sea.consumer(function) for function in ("ingest", "orders"))
    ingest.drain()  # the orders consumer has not run: as if its retries had run out
    failed = _records_from(sea, put, 1)
    notice = on_failure_record(
        failed, put["ShardId"], orders.config, condition="RetryAttemptsExhausted", attempts=4, error_message="test"
    )
    sqs.send_message(QueueUrl=sea.resources.orders_dlq_url, MessageBody=json.dumps(notice))
    like = _like(unique("room-replay"), 3)
    fixed = base64.b64encode(json.dumps(like).encode()).decode()
    quarantined = {"condition": "ValidationFailed", "record": {"partitionKey": "replay", "data": fixed}}
    sqs.send_message(QueueUrl=sea.resources.ingest_dlq_url, MessageBody=json.dumps(quarantined))

    report = replay_dead_letters(sea.resources, local_orders_function(sea.resources))

    assert (report.order_messages, report.order_records_handled, report.order_messages_kept) == (1, 1, 0)
    assert (report.messages, report.records_put, report.unreadable_messages) == (1, 1, 0)
    assert order_model(sea.resources.orders_table, sea.resources.region).get(order_id).status == "placed"
    sea.sources.drain(timeout=120)  # the replayed like; the orders consumer's pending copy changes nothing
    table = boto3.resource("dynamodb", region_name=sea.resources.region).Table(sea.resources.room_metrics_table)
    totals = table.query(KeyConditionExpression=Key("pk").eq(f"ROOM#{like['room_id']}"))["Items"]
    minutes = fold_items(t for t in totals if str(t["sk"]).startswith("MIN#"))[str(like["room_id"])]
    assert sum(m.likes for m in minutes) == 3
    for url in (sea.resources.orders_dlq_url, sea.resources.ingest_dlq_url):
        assert (
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
            == "0"
        )


def test_replay_puts_back_no_record_ingest_counted_before_its_batch_failed(sea: Pipeline) -> None:
    """A batch that failed after ingest wrote its room totals reaches the DLQ as an on-failure notice;
    its records already in their shard's totals stay off the stream (new sequence numbers would count
    them again), and the replay says so."""
    from livebase_local.commands.replay import local_orders_function, replay_dead_letters
    from livebase_local.runner.lambda_shapes import on_failure_record

    sea.dead_letters()
    kinesis = boto3.client("kinesis", region_name=sea.resources.region)
    room = unique("room-counted")
    likes = [_like(room, 2) for _ in range(2)]
    puts = [
        kinesis.put_record(StreamName=sea.resources.stream_name, PartitionKey="counted", Data=json.dumps(like))
        for like in likes
    ]
    ingest = sea.consumer("ingest")
    ingest.drain()  # counted: 4 likes
    batch = _records_from(sea, puts[0], 2)
    notice = on_failure_record(
        batch, puts[0]["ShardId"], ingest.config, condition="RetryAttemptsExhausted", attempts=3, error_message="test"
    )  # as if the function had failed after its writes
    boto3.client("sqs", region_name=sea.resources.region).send_message(
        QueueUrl=sea.resources.ingest_dlq_url, MessageBody=json.dumps(notice)
    )

    report = replay_dead_letters(sea.resources, local_orders_function(sea.resources))

    assert (report.messages, report.records_put, report.already_counted) == (1, 0, 2)
    assert "2 records not put back: ingest counted them" in report.line("sea")
    sea.sources.drain(timeout=120)
    table = boto3.resource("dynamodb", region_name=sea.resources.region).Table(sea.resources.room_metrics_table)
    totals = table.query(KeyConditionExpression=Key("pk").eq(f"ROOM#{room}"))["Items"]
    assert sum(m.likes for m in fold_items(t for t in totals if str(t["sk"]).startswith("MIN#"))[room]) == 4
    assert sea.dead_letters() == []


def _like(room_id: str, count: int) -> dict[str, object]:
    return {
        "event_id": unique("evt-like"), "type": "like", "market": "sea", "room_id": room_id,
        "session_id": "sess-test", "ts": TS, "viewer_id": "v_0123456789abcdef0123", "count": count,
    }  # fmt: skip


def _records_from(sea: Pipeline, put: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """The stream's records from one put on (as Lambda's on-failure notice names a range of them)."""
    kinesis = boto3.client("kinesis", region_name=sea.resources.region)
    iterator = kinesis.get_shard_iterator(
        StreamName=sea.resources.stream_name, ShardId=put["ShardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=put["SequenceNumber"],
    )["ShardIterator"]  # fmt: skip
    return list(kinesis.get_records(ShardIterator=iterator, Limit=limit)["Records"])
