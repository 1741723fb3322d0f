"""A simulated supplier gateway for the local mode: it takes purchase orders and delivers them.

What a supplier's gateway does with the market's supplier-orders queue (contract:
``infra_cdk/components/signals.py``): each ``PurchaseOrderCreated`` event is routed by
``detail.supplier``; this one ships every line in full, and the warehouse books the delivery as
one goods receipt (``RCV-<po_id>``, or of its digest when too long) on the stack's
goods-receipts queue, where the ``receiving`` function (run locally by the event-source runner)
books it. The receipt id is the PO's own, so an event delivered twice yields the same receipt
twice, which receiving books once. A message is deleted only once its receipt is sent; messages
of suppliers this gateway does not serve are left on the queue for theirs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import boto3

from livebase.markets.resources import MarketResources
from livebase.replenishment.purchase_orders import PO_CREATED, PO_EVENT_SOURCE
from livebase.replenishment.receiving import GoodsReceipt


@dataclass
class SupplierReport:
    orders: int = 0  # PurchaseOrderCreated events delivered on
    receipts_sent: int = 0
    po_ids: list[str] = field(default_factory=list)


def receipt_for(event: dict[str, Any]) -> GoodsReceipt | None:
    """The full delivery of the PO an event announces; None for anything else on the queue."""
    if event.get("source") != PO_EVENT_SOURCE or event.get("detail-type") != PO_CREATED:
        return None
    po = event["detail"]
    lines = [{"sku": line["sku"], "quantity": int(line["quantity"])} for line in po.get("lines", [])]
    if not lines:
        return None
    receipt_id = f"RCV-{po['po_id']}"
    if len(receipt_id) > 64:  # the receipt id's limit: a long PO id is stood for by its digest
        receipt_id = f"RCV-{hashlib.sha256(po['po_id'].encode()).hexdigest()[:32]}"
    return GoodsReceipt.model_validate({"receipt_id": receipt_id, "po_id": po["po_id"], "lines": lines})


def deliver_purchase_orders(
    resources: MarketResources, suppliers: Collection[str] | None = None, max_messages: int = 1_000
) -> SupplierReport:
    """Work the market's supplier-orders queue until it is empty (or ``max_messages``)."""
    sqs = boto3.client("sqs", region_name=resources.region)
    report = SupplierReport()
    seen = 0
    while seen < max_messages:
        batch = sqs.receive_message(
            QueueUrl=resources.supplier_orders_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30
        )
        messages = batch.get("Messages", [])
        if not messages:
            return report
        for message in messages:
            seen += 1
            event = json.loads(message["Body"])
            handle = message["ReceiptHandle"]
            if suppliers is not None and event.get("detail", {}).get("supplier") not in suppliers:
                continue  # not ours: it comes back to the queue when the visibility time-out ends
            receipt = receipt_for(event)
            if receipt is not None:
                sqs.send_message(QueueUrl=resources.goods_receipts_queue_url, MessageBody=receipt.model_dump_json())
                report.receipts_sent += 1
                report.po_ids.append(receipt.po_id)
            report.orders += 1
            sqs.delete_message(QueueUrl=resources.supplier_orders_queue_url, ReceiptHandle=handle)
    return report
