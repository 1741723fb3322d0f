"""Erasure of a viewer written every way the stores hold it (issue 31), on the local AWS with the real
eu stack: raw (an order), JSON-escaped (an idempotency record, a recall list), base64 in an archived
record (a quarantined Kinesis record, also gzip-compressed) and in a dead-letter message. The erasure
decodes what it scans; the scan after finds none, the receipt says complete, and another viewer's
records (written the same ways) are all still there."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime

import boto3

from livebase.markets.config import load_markets
from livebase.privacy.erasure import mentions, summary
from livebase.stores.erasure import ViewerErasure, idempotency_id
from livebase.stores.orders import OrderStore
from tests.support.local_aws import LocalAwsStack
from tests.support.orders import placed

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
GONE, KEPT = "v_0a1b2c3d4e5f60718293a4b5", "v_ffeeddccbbaa998877665544"


def escaped(viewer: str) -> str:
    """The viewer id as a JSON string written with \\u escapes throughout (valid JSON, no raw bytes of it)."""
    return '"' + "".join(f"\\u{ord(c):04x}" for c in viewer) + '"'


def record(viewer: str) -> bytes:
    return ('{"type": "like", "room_id": "eu-room-1", "viewer_id": ' + escaped(viewer) + "}").encode()


def write_every_way(stack: LocalAwsStack, viewer: str, tag: str) -> None:
    resources = stack.deployments["eu"].resources()
    orders = OrderStore.for_market(resources, retention_days=365)
    orders.save(placed(f"ord-enc-{tag}", NOW, ("SKU-A", 1, "2")).model_copy(update={"viewer_id": viewer}), "placed")
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    data = '{"order_id": "ord-enc-' + tag + '", "viewer": ' + escaped(viewer) + "}"
    dynamodb.put_item(TableName=resources.idempotency_table, Item={
        "id": {"S": idempotency_id("room_cue", tag)}, "status": {"S": "COMPLETED"}, "data": {"S": data}})  # fmt: skip
    s3, bucket = boto3.client("s3", region_name=resources.region), resources.data_lake_bucket
    archived = {"sequence": "1", "data": base64.b64encode(record(viewer)).decode(), "reason": "viewer_id: pattern"}
    s3.put_object(Bucket=bucket, Key=f"quarantine/eu/ingest/shardId-0/{tag}.json", Body=json.dumps(archived).encode())
    s3.put_object(Bucket=bucket, Key=f"quarantine/eu/orders/shardId-0/{tag}.json.gz",
                  Body=gzip.compress(json.dumps(archived).encode()))  # fmt: skip
    s3.put_object(
        Bucket=bucket,
        Key=f"recall/eu/lists/{tag}.json",
        Body=('{"market": "eu", "viewers": [' + escaped(viewer) + ', "v_1234567890abcdef"]}').encode(),
    )
    body = json.dumps({"kinesis": {"data": base64.b64encode(record(viewer)).decode(), "sequenceNumber": "1"}})
    boto3.client("sqs", region_name=resources.region).send_message(QueueUrl=resources.ingest_dlq_url, MessageBody=body)


def test_a_viewer_written_every_way_is_erased_and_the_scan_after_finds_none(local_aws: LocalAwsStack) -> None:
    resources = local_aws.deployments["eu"].resources()
    write_every_way(local_aws, GONE, "gone")
    write_every_way(local_aws, KEPT, "kept")
    erasure = ViewerErasure(load_markets()["eu"], resources)
    before = erasure.find(GONE)
    assert {store: before[store] for store in ("orders", "idempotency", "quarantine", "recall_lists",
                                               "dead_letter_queues")} == {
        "orders": 1, "idempotency": 1, "quarantine": 2, "recall_lists": 1, "dead_letter_queues": 1}  # fmt: skip
    receipt = erasure.erase(GONE, NOW)
    assert receipt.complete and erasure.find(GONE) == dict.fromkeys(before, 0)
    assert "complete" in summary(receipt.to_json())
    after = erasure.find(KEPT)
    assert after["orders"] == 1 and after["idempotency"] == 1 and after["quarantine"] == 2
    assert after["recall_lists"] == 1 and after["dead_letter_queues"] == 1  # the other's message: visible again
    s3 = boto3.client("s3", region_name=resources.region)
    stored = s3.get_object(Bucket=resources.data_lake_bucket, Key=receipt.key)["Body"].read()
    assert not mentions(stored, GONE)
    kept_list = s3.get_object(Bucket=resources.data_lake_bucket, Key="recall/eu/lists/gone.json")["Body"].read()
    assert json.loads(kept_list)["viewers"] == ["v_1234567890abcdef"]  # rewritten without them, the rest kept
