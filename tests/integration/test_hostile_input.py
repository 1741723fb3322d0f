"""Hostile input on a market's live stream (issue 14): nothing lost, nothing refused is applied.

Crafted records (deep nesting, a record near Kinesis's 1 MiB limit, thousands of unexpected keys,
timestamps at the edge of the datetime range, another market's currency or market, contact data
in identifiers and keys, non-finite numbers) go on one shard between valid events and a race of
20 buyers for 5 units. Every record is applied once or quarantined once, with a bounded reason
free of input values, and a redelivered batch quarantines nothing twice.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from livebase.batches.reasons import MAX_REASON_CHARS
from livebase.live.events import contact_data_in
from livebase.stores.order_table import order_model
from livebase_local.runner.functions import load_handler
from livebase_local.runner.lambda_shapes import LambdaContext, kinesis_event
from livebase_local.simulator.stock import seed_stock, stock_store
from tests.support.local_aws import LocalAwsStack
from tests.support.pipeline import TS, Pipeline, merge_catalogue, open_pipeline, order, unique

pytestmark = pytest.mark.slow
EMAIL, PHONE = "mallory@example.com", "+65 9123 4567"
VIEWER = "v_0123456789abcdef0123"


@pytest.fixture(scope="module")
def sea(local_aws: LocalAwsStack) -> Iterator[Pipeline]:
    pipeline = open_pipeline(local_aws, "sea")
    pipeline.dead_letters()  # what other modules left
    pipeline.dead_letters(pipeline.resources.orders_dlq_url)
    yield pipeline


def event(kind: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": unique("evt"), "type": kind, "market": "sea", "room_id": "room-hostile",
            "session_id": "sess-hostile", "ts": TS, "viewer_id": VIEWER, **fields}  # fmt: skip


def encoded(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def hostile_records() -> dict[str, bytes]:
    """One record per class of issue 14, by name."""
    deep = b'{"type": "order_placed", "market": "sea", "n": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    huge = encoded(event("comment", language="en", text="x" * 1_000_000))
    keys = encoded({**event("like"), **{f"k{i}": i for i in range(2500)}})
    records = {"deep nesting": deep, "near 1 MiB": huge, "2,500 unexpected keys": keys}
    for ts in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00",
               "0001-01-01T00:00:00+01:00"):  # fmt: skip
        records[f"order at {ts}"] = order(unique("ord-edge"), ts=ts)
    records["other currency"] = order(unique("ord-eur"), currency="EUR")
    records["other market"] = order(unique("ord-eu"), market="eu", currency="EUR")
    records["email as type"] = encoded(event(EMAIL))
    records["email as key"] = encoded({**event("like"), EMAIL: 1, PHONE: 2})
    records["email in room_id"] = encoded(event("like", room_id=EMAIL))
    records["phone in session_id"] = encoded(event("like", session_id="6591234567"))
    records["email in channel"] = encoded(event("share", channel=EMAIL))
    records["email as cancel order_id"] = encoded(event("order_cancelled", order_id=EMAIL))
    records["phone in cancel reason"] = encoded(event("order_cancelled", order_id=unique("ord-x"), reason=PHONE))
    infinity = encoded(event("edge_node_stats", edge_location="SIN", viewers_served=1, bitrate_kbps=0, cpu=0.1,
                             error_rate=0.0))  # fmt: skip
    records["Infinity"] = infinity.replace(b'"bitrate_kbps": 0', b'"bitrate_kbps": Infinity')
    records["1e999"] = order(unique("ord-inf"), lines=[{"sku": "SKU-TEST-1", "quantity": 1, "unit_price": 0}])
    records["1e999"] = records["1e999"].replace(b'"unit_price": 0', b'"unit_price": 1e999')
    return records


def put_in_order(pipeline: Pipeline, records: list[bytes]) -> list[dict[str, str]]:
    """One shard, in this order (one partition key), each put on its own so none is refused as a batch."""
    kinesis = boto3.client("kinesis", region_name=pipeline.resources.region)
    return [
        kinesis.put_record(StreamName=pipeline.resources.stream_name, PartitionKey="hostile", Data=data)
        for data in records
    ]


def test_hostile_records_are_quarantined_once_and_the_valid_ones_applied_once(sea: Pipeline) -> None:
    seed_stock(sea.resources, {"SKU-RACE-1": 5})
    merge_catalogue(sea.resources, [{"sku": "SKU-RACE-1", "list_price": "5.00"}])  # Livebase prices each line
    hostile = hostile_records()
    valid_orders = [unique("ord-valid") for _ in range(4)]
    racers = [unique("ord-race") for _ in range(20)]
    race_line = [{"sku": "SKU-RACE-1", "quantity": 1, "unit_price": "5.00"}]
    likes = [encoded(event("like", count=2)) for _ in range(5)]
    stream = [
        hostile["deep nesting"], order(valid_orders[0]), hostile["near 1 MiB"], likes[0], order(valid_orders[1]),
        *[hostile[name] for name in list(hostile)[2:]], *likes[1:], order(valid_orders[2]),
        *[order(r, lines=race_line) for r in racers], order(valid_orders[3]),
    ]  # fmt: skip
    puts = put_in_order(sea, stream)
    sea.sources.drain(timeout=300)

    # Nothing lost: every record read was handled, filtered out or named in a DLQ; none retried to death.
    for name, counters in sea.sources.counters().items():
        assert counters.seen == counters.filtered + counters.succeeded + counters.sent_to_dlq, name
        assert counters.sent_to_dlq == 0, (name, list(sea.consumer(name.split("-")[-1]).last_errors))
    # Valid orders applied once; the race sold exactly the stock.
    model = order_model(sea.resources.orders_table, sea.resources.region)
    assert {r.order_id: r.status for r in model.batch_get(valid_orders)} == dict.fromkeys(valid_orders, "placed")
    statuses = [r.status for r in model.batch_get(racers)]
    assert sorted(statuses) == ["placed"] * 5 + ["rejected"] * 15
    item = stock_store(sea.resources).get("SKU-RACE-1", "WH-SEA-1")
    assert item is not None and (item.available, item.reserved) == (0, 5)
    # Every hostile record quarantined once by ingest, with a bounded reason free of input values.
    hostile_sequences = {puts[stream.index(data)]["SequenceNumber"]: name for name, data in hostile.items()}
    letters = [d for d in sea.dead_letters() if d["record"]["sequenceNumber"] in hostile_sequences]
    assert sorted(hostile_sequences[d["record"]["sequenceNumber"]] for d in letters) == sorted(hostile)
    for letter in letters:
        assert len(letter["reason"]) <= MAX_REASON_CHARS and not contact_data_in(letter["reason"]), letter["reason"]
        assert EMAIL not in json.dumps({k: v for k, v in letter.items() if k != "record"})
    # The record too big for a message is kept whole in its object; the message points to it.
    s3 = boto3.client("s3", region_name=sea.resources.region)
    for letter in letters:
        stored = json.loads(
            s3.get_object(Bucket=sea.resources.data_lake_bucket, Key=letter["quarantineObject"])["Body"].read()
        )
        data = hostile[hostile_sequences[letter["record"]["sequenceNumber"]]]
        assert base64.b64decode(stored["data"]) == data
        assert ("data" in letter["record"]) == (len(data) < 64 * 1024)
    # Nothing quarantined was applied: no order record, no reservation, in this market's table.
    refused_ids = [json.loads(d).get("order_id") for d in hostile.values() if b'"order_id"' in d and len(d) < 64_000]
    assert refused_ids and not list(model.batch_get([i for i in refused_ids if i and "@" not in i]))
    assert sea.dead_letters(sea.resources.orders_dlq_url) == []  # the orders consumer raised nothing

    # A redelivery of the same records (Kinesis retries a batch) quarantines nothing twice.
    kinesis = boto3.client("kinesis", region_name=sea.resources.region)
    shard = puts[0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=sea.resources.stream_name, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=puts[0]["SequenceNumber"],
    )["ShardIterator"]  # fmt: skip
    again = [r for r in kinesis.get_records(ShardIterator=iterator, Limit=1000)["Records"]
             if r["SequenceNumber"] in hostile_sequences]  # fmt: skip
    ingest = sea.consumer("ingest")
    response = sea.handlers["ingest"](kinesis_event(again, shard, ingest.config), LambdaContext(ingest.config))
    assert response == {"batchItemFailures": []}
    assert sea.dead_letters() == []


def test_an_unexpected_error_on_one_order_quarantines_it_and_the_batch_goes_on(sea: Pipeline) -> None:
    module, handler = load_handler("orders", sea.resources, container="faulty")  # its own instance
    broken, after = unique("ord-broken"), unique("ord-after")
    real = module.accept_order

    def accept(order: Any, received_at: Any) -> dict[str, str]:
        if order.order_id == broken:
            raise KeyError("a bug that only this order meets")
        return dict(real(order=order, received_at=received_at))

    module.__dict__["accept_order"] = accept  # this instance only
    puts = put_in_order(sea, [order(broken), order(after)])
    kinesis = boto3.client("kinesis", region_name=sea.resources.region)
    iterator = kinesis.get_shard_iterator(
        StreamName=sea.resources.stream_name, ShardId=puts[0]["ShardId"], ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=puts[0]["SequenceNumber"],
    )["ShardIterator"]  # fmt: skip
    records = kinesis.get_records(ShardIterator=iterator, Limit=2)["Records"]
    config = sea.consumer("orders").config
    response = handler(kinesis_event(records, puts[0]["ShardId"], config), LambdaContext(config))

    assert response == {"batchItemFailures": []}  # not retried: a retry would meet the same bug
    model = order_model(sea.resources.orders_table, sea.resources.region)
    assert model.get(after).status == "placed"
    letters = sea.dead_letters(sea.resources.orders_dlq_url)
    assert [d["condition"] for d in letters] == ["ProcessingFailed"]
    assert letters[0]["reason"] == "unexpected KeyError handling order_placed"
    assert json.loads(base64.b64decode(letters[0]["record"]["data"]))["order_id"] == broken
    sea.sources.drain(timeout=120)  # the runner's own delivery of the two (unpatched): applied once
    assert model.get(broken).status == "placed"
