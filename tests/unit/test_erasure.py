"""Erasure on moto (in-process): every store written by the real code, erased, scanned again: nothing left."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from livebase.batches.quarantine import Quarantine, QuarantinedRecord
from livebase.live.room_metrics import pack_hashes, unpack_hashes, viewer_hash
from livebase.markets.config import load_markets
from livebase.privacy.consent import Purpose
from livebase.privacy.erasure import ErasureError, mentions, subject_digest, summary, viewer_key_of
from livebase.stores.erasure import ORDER_IDEMPOTENCY_PREFIX, ViewerErasure, idempotency_id
from livebase.stores.order_table import ERASED_VIEWER
from tests.support.erasure import eu_erasure
from tests.support.orders import placed

REGION = "eu-central-1"
GONE, KEPT = "v_00112233445566778899", "v_ffeeddccbbaa99887766"
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
MARKET = load_markets()["eu"]


@pytest.fixture
def erasure(aws: Any) -> ViewerErasure:
    """eu's stores of personal data in the in-process moto ``aws`` started, and a versioned lake."""
    return eu_erasure(REGION)


def seed(erasure: ViewerErasure) -> None:
    """Both viewers in every store, each written by the code that writes it in production."""
    resources, dynamodb, s3 = erasure.resources, erasure.dynamodb, erasure.s3
    for number, viewer in enumerate((GONE, KEPT, GONE)):
        order = placed(f"ord-er{number}", NOW, ("SKU-A", 1, "2")).model_copy(update={"viewer_id": viewer})
        erasure.orders.save(order, "placed")
        record = {"id": {"S": idempotency_id(ORDER_IDEMPOTENCY_PREFIX, order.order_id)}, "status": {"S": "COMPLETED"},
                  "data": {"S": json.dumps({"order_id": order.order_id, "status": "placed"})}}  # fmt: skip
        dynamodb.put_item(TableName=resources.idempotency_table, Item=record)
    for viewer in (GONE, KEPT):
        erasure.consent.record(viewer, Purpose.MARKETING, True, NOW)
        erasure.consent.record(viewer, Purpose.ANALYTICS, False, NOW)
    both = pack_hashes({viewer_hash(GONE), viewer_hash(KEPT)})
    dynamodb.put_item(TableName=resources.room_metrics_table, Item={
        "pk": {"S": "ROOM#r1"}, "sk": {"S": "T#1"}, "viewers": {"B": both},
        "buyers": {"B": pack_hashes({viewer_hash(GONE)})}, "last_seq_key": {"S": "0042"}})  # fmt: skip
    quarantine = Quarantine(s3, boto3.client("sqs", region_name=REGION), bucket="lake",
        queue_url=boto3.client("sqs", region_name=REGION).create_queue(QueueName="dlq")["QueueUrl"],
        market="eu", consumer="ingest")  # fmt: skip
    for seq, viewer in (("1", GONE), ("2", KEPT)):
        data = base64.b64encode(json.dumps({"type": "like", "viewer_id": viewer}).encode()).decode()
        quarantine.put([QuarantinedRecord(seq, "r1", "shardId-0", "viewer_id: pattern", data)])
    recall = {"market": "eu", "as_of": "2026-12-01", "viewers": [GONE, KEPT]}
    for _ in range(2):  # two versions of the list, both naming the viewer
        s3.put_object(Bucket="lake", Key="recall/eu/2026-12-01.json", Body=json.dumps(recall).encode())


def test_erase_removes_the_viewer_everywhere_and_a_later_scan_finds_nothing(erasure: ViewerErasure) -> None:
    seed(erasure)
    before = erasure.find(GONE)
    assert before == {
        "orders": 2,
        "idempotency": 0,
        "consent": 2,
        "room_metrics": 1,
        "quarantine": 1,
        "recall_lists": 2,
        "dead_letter_queues": 0,
    }
    receipt = erasure.erase(GONE, NOW)
    assert receipt.counts() == {"orders": 2, "idempotency": 2, "consent": 2, "room_metrics": 1, "quarantine": 1,
                                "recall_lists": 1, "dead_letter_queues": 0}  # fmt: skip
    assert receipt.complete and erasure.find(GONE) == dict.fromkeys(before, 0)
    # The other viewer keeps everything (recall_lists: the rewritten list, old versions went); the sales stay, unlinked.
    assert erasure.find(KEPT) == {"orders": 1, "idempotency": 0, "consent": 2, "room_metrics": 1, "quarantine": 1,
                                  "recall_lists": 1, "dead_letter_queues": 0}  # fmt: skip
    assert sorted(o.viewer_id for o in erasure.orders.all_orders()) == [ERASED_VIEWER, ERASED_VIEWER, KEPT]
    item = erasure.dynamodb.scan(TableName=erasure.resources.room_metrics_table)["Items"][0]
    assert set(unpack_hashes(item["viewers"]["B"])) == {viewer_hash(KEPT)} and "buyers" not in item
    latest = erasure.s3.get_object(Bucket="lake", Key="recall/eu/2026-12-01.json")["Body"].read()
    assert json.loads(latest)["viewers"] == [KEPT]
    listed = erasure.s3.list_object_versions(Bucket="lake", Prefix="quarantine/")
    assert [v["Key"] for v in listed.get("Versions", [])] == ["quarantine/eu/ingest/shardId-0/2.json"]
    assert not listed.get("DeleteMarkers")
    # The receipt is in the lake, says where, and never names the viewer.
    stored = erasure.s3.get_object(Bucket="lake", Key=receipt.key)["Body"].read()
    assert receipt.key.startswith("erasure/eu/") and not mentions(stored, GONE)
    document = json.loads(stored)
    assert document["subject_sha256"] == subject_digest(GONE) and document["complete"] is True
    assert document["removed"]["quarantine"] == ["s3://lake/quarantine/eu/ingest/shardId-0/1.json"]


def test_erasing_again_removes_nothing_and_a_raw_id_is_refused(erasure: ViewerErasure) -> None:
    seed(erasure)
    erasure.erase(GONE, NOW)
    again = erasure.erase(GONE, NOW)
    assert again.complete and not any(again.counts().values())
    with pytest.raises(ErasureError, match="viewer: not a pseudonymous id"):
        erasure.erase("alice@example.com")


def test_mentions_sees_base64_records() -> None:
    data = base64.b64encode(json.dumps({"viewer_id": GONE}).encode()).decode()
    assert mentions(json.dumps({"data": data}).encode(), GONE)
    assert not mentions(json.dumps({"data": data}).encode(), KEPT)
    assert not mentions(b"not json\n{", GONE)


# What `./livebase erase` tells (issue 30): each store as it is done, "no data found for this viewer"
# apart from "erased", and an e-mail address or phone number refused before any store is read.
@pytest.mark.parametrize(
    ("given", "what"), [("ana@example.com", "an e-mail address"), ("+65 9123 4567", "a phone number")]
)
def test_contact_details_are_refused_as_a_viewer_id_before_anything_is_read(given: str, what: str) -> None:
    def never(raw: str) -> str:
        raise AssertionError("contact details must not be pseudonymised")

    with pytest.raises(ErasureError, match=f"looks like {what}; viewer ids are pseudonyms"):
        viewer_key_of(given, never)
    assert viewer_key_of("acct-12345", lambda raw: "v_" + "ab" * 10) == "v_" + "ab" * 10


def test_a_viewer_never_seen_is_told_apart_from_one_erased(erasure: ViewerErasure) -> None:
    seed(erasure)
    heard: list[tuple[str, int]] = []
    erased = erasure.erase(GONE, NOW, done=lambda store, count: heard.append((store, count)))
    assert erased.found and summary(erased.to_json()).startswith("erased in eu: orders 2")
    assert [store for store, _ in heard] == [
        "orders", "idempotency", "consent", "room_metrics", "quarantine", "recall_lists", "dead_letter_queues",
        "still found by a scan after",
    ]  # fmt: skip
    assert dict(heard)["orders"] == 2 and dict(heard)["still found by a scan after"] == 0

    again = erasure.erase(GONE, NOW)
    assert not again.found and again.complete
    line = summary(again.to_json())
    assert line.startswith("no data found for this viewer in eu: nothing erased") and "receipt erasure/eu/" in line
