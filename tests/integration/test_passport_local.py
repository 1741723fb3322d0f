"""The product passport on the local AWS, with the real stacks deployed (sea).

The deployed anchor bucket is Object Lock'ed (compliance: a locked version cannot be deleted),
two threads appending to one batch through the deployed ledger never fork it, and the whole path
runs through the stack's parts: signed events on the ``passport-intake`` queue (a forged and an
unsigned one refused to its DLQ with the reason), the ``passport_intake`` function via the
runner's SQS mapping, the day anchored by the ``passport-anchoring`` flow, and
``GET /passport/{batch}`` answered by the ``passport`` handler; then a ledger entry edited in the
table is caught and named.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from livebase.batches.quarantine import REASON_ATTRIBUTE
from livebase.passport.chain import verify_chain
from livebase.stores.anchors import AnchorStore
from livebase.stores.ledger import LedgerStore
from livebase_local.commands.demo_passport import (
    SUPPLIER,
    demo_batch,
    get_passport,
    seed_supplier_keys,
    send_batch,
    supplier_key,
)
from livebase_local.platform import queue_consumers
from livebase_local.runner.sources import EventSources
from tests.support.local_aws import LocalAwsStack

pytestmark = pytest.mark.slow


def _ledger(resources: Any) -> LedgerStore:
    return LedgerStore(boto3.client("dynamodb", region_name=resources.region), resources.passport_ledger_table)


def test_the_anchor_bucket_is_locked_in_compliance_mode(local_aws: LocalAwsStack) -> None:
    resources = local_aws.deployments["sea"].resources()
    s3 = boto3.client("s3", region_name=resources.region)
    lock = s3.get_object_lock_configuration(Bucket=resources.passport_anchor_bucket)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled" and lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    anchors = AnchorStore(s3, resources.passport_anchor_bucket)
    key, version = anchors.put(
        "sea", f"test-{uuid.uuid4().hex[:6]}", [], "0" * 64, datetime.now(UTC) + timedelta(days=1)
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=resources.passport_anchor_bucket, Key=key, VersionId=version)


def test_two_threads_racing_on_one_batch_never_fork_its_chain(local_aws: LocalAwsStack) -> None:
    resources = local_aws.deployments["sea"].resources()
    batch = f"SEA-RACE-{uuid.uuid4().hex[:8].upper()}"
    now = datetime.now(UTC)
    first = demo_batch("sea", batch, now)
    second = [e.model_copy(update={"event_id": f"{e.event_id}-b"}) for e in first]
    barrier, retried = threading.Barrier(2), list[bool]()

    def writer(events: list[Any]) -> None:
        ledger = _ledger(resources)  # a client per writer, as two Lambda containers would have
        barrier.wait()
        retried.extend(ledger.append(event, now).attempts > 1 for event in events)

    threads = [threading.Thread(target=writer, args=(events,)) for events in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = _ledger(resources).entries(batch)
    assert [e.seq for e in entries] == list(range(12))
    assert {e.event_id for e in entries} == {e.event_id for e in first + second}
    assert verify_chain(batch, entries).intact


def test_signed_intake_anchor_and_public_passport(local_aws: LocalAwsStack, prefect_harness: None) -> None:
    from flows.passport_anchoring import passport_anchoring

    deployment = local_aws.deployments["sea"]
    resources = deployment.resources()
    assert resources.passport_api_url.startswith("https://") and resources.passport_api_url.endswith("/v1/")
    [config] = [c for c in deployment.queue_sources if c.function_name == "livebase-sea-passport_intake"]
    assert config.queue_url == resources.passport_intake_queue_url and config.report_batch_item_failures
    sources = EventSources([s for s in queue_consumers(deployment, resources)[0] if s.config is config])
    now = datetime.now(UTC)
    batch = f"SEA-PP-{uuid.uuid4().hex[:8].upper()}"
    seed_supplier_keys(resources, {SUPPLIER: supplier_key("sea")})
    assert send_batch(resources, demo_batch("sea", batch, now), supplier_key("sea")) == 8
    sources.drain(timeout=60)
    sqs = boto3.client("sqs", region_name=resources.region)
    letters = sqs.receive_message(
        QueueUrl=resources.passport_intake_dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])
    mine = [m for m in letters if batch in m["Body"]]
    assert sorted(m["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] for m in mine) == [
        "bad signature", "unsigned event",
    ]  # fmt: skip
    assert [e.seq for e in _ledger(resources).entries(batch)] == list(range(6))

    [anchor] = passport_anchoring(markets=["sea"], day=date.fromisoformat(now.date().isoformat()))
    assert batch in {h.batch_id for h in anchor.heads} and anchor.version_id
    status, body = get_passport(resources, batch)
    assert status == 200 and body["verification"]["status"] == "verified"
    assert body["verification"]["anchor"]["root"] == anchor.root
    assert set(body["verification"]["label"]) == {"en", "ms", "th", "id", "vi"}
    assert [e["kind"] for e in body["events"]] == [
        "origin", "qc_certificate", "customs_declaration", "warehouse_in", "warehouse_out", "shipment",
    ]  # fmt: skip

    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    key = {"pk": {"S": f"batch#{batch}"}, "sk": {"S": "entry#0000000003"}}
    event = json.loads(dynamodb.get_item(TableName=resources.passport_ledger_table, Key=key)["Item"]["event"]["S"])
    dynamodb.update_item(
        TableName=resources.passport_ledger_table, Key=key, UpdateExpression="SET #e = :e",
        ExpressionAttributeNames={"#e": "event"},
        ExpressionAttributeValues={":e": {"S": json.dumps({**event, "quantity": 5000})}},
    )  # fmt: skip
    status, body = get_passport(resources, batch)
    assert body["verification"]["status"] == "not_verified"
    assert [(f["kind"], f["seq"]) for f in body["verification"]["findings"]] == [("tampered", 3)]
