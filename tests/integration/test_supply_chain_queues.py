"""Goods receipts and shipment updates through the stack's own queues on the local AWS.

The ``receiving`` and ``fulfilment`` functions are fed by the event-source runner from the
SQS mappings of the deployed template (batch size, ``ReportBatchItemFailures``), as Lambda feeds
them in the cloud. Every message is delivered twice; a malformed message and an over-receipt
are among them: applied once, the refused ones on the DLQ with the reason, nothing lost.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

import boto3
import pytest

from livebase.batches.quarantine import CONDITION_ATTRIBUTE, REASON_ATTRIBUTE
from livebase.commerce.wms_handoff import pick_pack_message
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import WMS_SHIPPED, OrderStore
from livebase.stores.purchase_orders import RECEIVED, PurchaseOrderItem, PurchaseOrderLine, PurchaseOrderStore
from livebase_local.aws.mappings import SqsSourceConfig
from livebase_local.platform import queue_consumers
from livebase_local.runner.sources import EventSources
from livebase_local.runner.sqs_source import SqsEventSource
from livebase_local.simulator.wms import acknowledge_pick_packs
from tests.support.local_aws import LocalAwsStack
from tests.support.orders import NOW, placed

pytestmark = pytest.mark.slow


def _messages(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Take every message off a queue (the session's other tests share the local AWS and expect empty DLQs)."""
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=60
    ).get("Messages", []):
        found += batch
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def _depth(sqs: Any, queue_url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def test_receipts_and_shipment_updates_through_the_queues(local_aws: LocalAwsStack) -> None:
    deployment = local_aws.deployments["sea"]
    resources = deployment.resources()
    sqs = boto3.client("sqs", region_name=resources.region)
    configs = {c.function_name.rsplit("-", 1)[-1]: c for c in deployment.queue_sources}
    assert {"receiving", "fulfilment"} <= set(configs)  # passport_intake too: tests/integration/test_passport_local.py
    configs = {name: configs[name] for name in ("receiving", "fulfilment")}
    assert configs["receiving"].queue_url == resources.goods_receipts_queue_url
    assert configs["receiving"].dlq_url == resources.goods_receipts_dlq_url
    assert all(
        c.report_batch_item_failures and c.batch_size == 10 and c.max_receive_count == 5 for c in configs.values()
    )
    redrive = sqs.get_queue_attributes(QueueUrl=resources.goods_receipts_queue_url, AttributeNames=["RedrivePolicy"])
    assert json.loads(redrive["Attributes"]["RedrivePolicy"])["maxReceiveCount"] == 5  # moto redrives itself
    sources = EventSources(queue_consumers(deployment, resources)[0])
    sources.drain(timeout=60)  # whatever other tests left

    # A purchase order to receive against, and an order the WMS has (handed off on a queue of this test's).
    po_id = f"PO-sea-QT-{uuid.uuid4().hex[:8]}"
    sku = f"SKU-QT-{uuid.uuid4().hex[:6].upper()}"
    store = PurchaseOrderStore.for_market(resources)
    store.put_new(
        PurchaseOrderItem(
            po_id=po_id, market="sea", supplier="QT", run_date="2026-12-03", status="open", announced=True,
            created_at="2026-12-03T10:00:00+00:00", flow_run_id="run", currency="SGD",
            expected_arrival="2026-12-08", lines=[PurchaseOrderLine(sku=sku, quantity=10, unit_cost="2.50")],
            total_cost="25.00",
        )
    )  # fmt: skip
    orders = OrderStore.for_market(resources)
    order_id = f"ord-qt-{uuid.uuid4().hex[:8]}"
    orders.save(placed(order_id, NOW, ("SKU-A", 1, "1")), "placed")
    handoff = sqs.create_queue(QueueName=f"handoff-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    # This order alone, as the hand-off does it (claim, send, mark sent): the session's table holds
    # other tests' placed orders, which a scan for due orders would hand off too.
    record = orders.get(order_id)
    assert record is not None and orders.claim_for_wms(record, NOW)
    sqs.send_message(QueueUrl=handoff, MessageBody=json.dumps(pick_pack_message(record, "WH-SEA-1")))
    orders.mark_sent([order_id], NOW)

    def receipt(receipt_id: str, quantity: int) -> str:
        return json.dumps({"receipt_id": receipt_id, "po_id": po_id, "lines": [{"sku": sku, "quantity": quantity}]})

    first, rest, over = receipt(f"RCV-{sku}-1", 4), receipt(f"RCV-{sku}-2", 6), receipt(f"RCV-{sku}-X", 11)
    malformed = '{"receipt_id": "RCV-broken", "po_id": '
    for body in (first, first, over, malformed):
        sqs.send_message(QueueUrl=resources.goods_receipts_queue_url, MessageBody=body)
    # The simulated WMS works the hand-off queue and sends its updates where a real one would; the
    # pick/pack message comes twice (at least once), so each update is delivered twice.
    wms = replace(resources, wms_queue_url=handoff)
    assert acknowledge_pick_packs(wms).updates_sent == 3  # picked, shipped, delivered
    sqs.send_message(QueueUrl=handoff, MessageBody=json.dumps({"order_id": order_id, "warehouse": "WH-SEA-1"}))
    assert acknowledge_pick_packs(wms).updates_sent == 3
    sqs.send_message(QueueUrl=resources.shipment_updates_queue_url, MessageBody="picked, honest")
    counters = sources.drain(timeout=120)
    for body in (rest, rest):
        sqs.send_message(QueueUrl=resources.goods_receipts_queue_url, MessageBody=body)
    counters = sources.drain(timeout=120)

    # Applied once: stock up by what arrived (10, not 14 or 20), the PO closed, the order shipped.
    item = InventoryStore(boto3.client("dynamodb", region_name=resources.region), resources.inventory_table).get(
        sku, "WH-SEA-1"
    )
    assert item is not None and item.available == 10
    booked = store.get(po_id)
    assert booked is not None and booked["status"] == RECEIVED and booked["received"] == {sku: 10}
    assert sorted(booked["receipts"]) == [f"RCV-{sku}-1", f"RCV-{sku}-2"]
    order = orders.get(order_id)
    assert order is not None and order.wms_status == WMS_SHIPPED and order.wms_picked_at is not None

    # Refused ones on the DLQs with the reason; nothing lost (every delivery acknowledged, queues empty).
    dead = _messages(sqs, resources.goods_receipts_dlq_url)
    by_body = {m["Body"]: m["MessageAttributes"] for m in dead}
    assert set(by_body) == {over, malformed}
    assert by_body[over][CONDITION_ATTRIBUTE]["StringValue"] == "Refused"
    assert "over-receipt" in by_body[over][REASON_ATTRIBUTE]["StringValue"]
    assert by_body[malformed][CONDITION_ATTRIBUTE]["StringValue"] == "ValidationFailed"
    [update_dead] = _messages(sqs, resources.shipment_updates_dlq_url)
    assert update_dead["Body"] == "picked, honest"
    assert "honest" not in update_dead["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"]
    for counter in counters.values():
        assert counter.seen == counter.succeeded and counter.failed == 0
    assert _depth(sqs, resources.goods_receipts_queue_url) == _depth(sqs, resources.shipment_updates_queue_url) == 0


def test_a_message_that_keeps_failing_is_left_and_then_redriven_to_the_dlq(local_aws: LocalAwsStack) -> None:
    """The poller deletes only what succeeded; moto's redrive policy moves the rest after maxReceiveCount."""
    region = local_aws.deployments["sea"].region
    sqs = boto3.client("sqs", region_name=region)
    dlq = sqs.create_queue(QueueName=f"redrive-dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    queue = sqs.create_queue(
        QueueName=f"redrive-{uuid.uuid4().hex[:8]}", Attributes={"RedrivePolicy": policy, "VisibilityTimeout": "0"}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    config = SqsSourceConfig(
        market="sea", region=region, function_name="livebase-sea-test", handler="handler.lambda_handler",
        queue_url=queue, queue_arn=arn, dlq_url=dlq, max_receive_count=2, report_batch_item_failures=True,
    )  # fmt: skip
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend(event["Records"])
        return {
            "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]
        }

    for body in ("good", "bad"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    source = SqsEventSource(config, handler)
    for _ in range(4):
        source.poll_once()
    record = seen[0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn and record["awsRegion"] == region
    assert {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody"} <= set(record)
    assert [r["body"] for r in seen].count("good") == 1  # deleted after its success
    assert [r["body"] for r in seen].count("bad") == 2  # left, redelivered, then dead-lettered by SQS
    assert [m["Body"] for m in _messages(sqs, dlq)] == ["bad"]
    assert source.counters.seen == source.counters.succeeded + source.counters.failed == 3
