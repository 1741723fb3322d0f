"""A simulated supplier gateway for the local mode: it takes purchase orders and delivers them.

What a supplier's gateway does with the market's supplier-orders queue (contract:
``infra_cdk/components/signals.py``): each ``PurchaseOrderCreated`` event is routed by
``detail.supplier``; this one ships every line in full, and the warehouse books the delivery as
one goods receipt (``RCV-<po_id>``, or of its digest when too long) on the stack's
goods-receipts queue, where the ``receiving`` function (run locally by the event-source runner)
books it. The receipt id is the PO's own, so an event delivered twice yields the same receipt
twice, which receiving books once. A message is deleted only once its receipt is sent; messages
of suppliers this gateway does not serve are left on the queue for theirs.

For tests of what a PO's buyers are told (``livebase.replenishment.presales``), a delivery can come
short (``short``: units per SKU that never come; the receipt is then the supplier's last, ``final``)
or late (``late``: PO ids not delivered on this pass; their messages come back to the queue).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import boto3

from livebase.markets.resources import MarketResources
from livebase.replenishment.receiving import GoodsReceipt
from livebase.signals import OtherSignal, parse_event
from livebase.signals.supply import PurchaseOrderCreated


@dataclass
class SupplierReport:
    orders: int = 0  # PurchaseOrderCreated events delivered on
    receipts_sent: int = 0
    po_ids: list[str] = field(default_factory=list)


def receipt_for(po: PurchaseOrderCreated, short: Mapping[str, int] | None = None) -> GoodsReceipt | None:
    """The delivery of a PO: in full, or ``short`` of some units per SKU (then ``final``: the rest never
    comes); None for a PO without lines or with nothing delivered."""
    short = short or {}
    receipt_id = f"RCV-{po.po_id}"
    if len(receipt_id) > 64:  # the receipt id's limit: a long PO id is stood for by its digest
        receipt_id = f"RCV-{hashlib.sha256(po.po_id.encode()).hexdigest()[:32]}"
    units = [(line.sku, line.quantity - short.get(line.sku, 0)) for line in po.lines]
    lines = [{"sku": sku, "quantity": quantity} for sku, quantity in units if quantity > 0]
    if not lines:
        return None
    final = any(short.get(line.sku, 0) > 0 for line in po.lines)
    body = {"receipt_id": receipt_id, "po_id": po.po_id, "lines": lines, "final": final}
    return GoodsReceipt.model_validate(body)


def announced_po(body: str) -> PurchaseOrderCreated | None:
    """The PO a supplier-orders message announces; None for anything else on the queue."""
    try:
        return parse_event(body, PurchaseOrderCreated).signal
    except OtherSignal:
        return None


def deliver_purchase_orders(
    resources: MarketResources,
    suppliers: Collection[str] | None = None,
    max_messages: int = 1_000,
    *,
    short: Mapping[str, int] | None = None,
    late: Collection[str] = (),
) -> SupplierReport:
    """Work the market's supplier-orders queue until it is empty (or ``max_messages``); ``short``: units
    per SKU left out of every delivery (which is then final), ``late``: PO ids not delivered now."""
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
            po, handle = announced_po(message["Body"]), message["ReceiptHandle"]
            if suppliers is not None and (po is None or po.supplier not in suppliers):
                continue  # not ours: it comes back to the queue when the visibility time-out ends
            if po is not None and po.po_id in late:
                continue  # late: delivered on a later pass
            receipt = None if po is None else receipt_for(po, short)
            if receipt is not None:
                sqs.send_message(QueueUrl=resources.goods_receipts_queue_url, MessageBody=receipt.model_dump_json())
                report.receipts_sent += 1
                report.po_ids.append(receipt.po_id)
            report.orders += 1
            sqs.delete_message(QueueUrl=resources.supplier_orders_queue_url, ReceiptHandle=handle)
    return report
