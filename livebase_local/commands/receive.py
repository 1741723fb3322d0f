"""`./livebase receive`: book a goods receipt against a market's purchase order, as the WMS would.

The same library call the ``receiving`` Lambda makes in the cloud (``Receiving.receive`` in
:mod:`livebase.replenishment.receiving`):
refused with the reason when the PO is unknown or the units are more than outstanding; once per
receipt id; stock rises, alerts re-arm, and the PO closes when every line is in. An unknown PO id
is answered with the market's open purchase orders (what could have been meant); every bad line
of the command is named at once, not only the first.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import partial

import boto3
from pydantic import ValidationError

from livebase.aws import put_all, retry_config
from livebase.batches.reasons import describe_error
from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources
from livebase.replenishment.receiving import GoodsReceipt, ReceiptOutcome, ReceiptStatus, Receiving
from livebase.stores.inventory import InventoryStore
from livebase.stores.purchase_orders import PurchaseOrderStore


class ReceiptError(ValueError):
    """The receipt given on the command line is not one (a line is not SKU=QTY, or fails validation)."""


def parse_receipt(po_id: str, lines: Sequence[str], receipt_id: str | None = None) -> GoodsReceipt:
    parsed, bad = [], []
    for text in lines:
        sku, sep, quantity = text.partition("=")
        if not sep or not sku.strip() or not quantity.strip().isdigit():
            bad.append(repr(text))
            continue
        parsed.append({"sku": sku.strip(), "quantity": int(quantity)})
    if bad:
        raise ReceiptError(f"{', '.join(bad)}: each line is SKU=QUANTITY, e.g. SKU-LIP-001=24")
    body = {"receipt_id": receipt_id or f"RCV-{uuid.uuid4().hex[:12]}", "po_id": po_id, "lines": parsed}
    try:
        return GoodsReceipt.model_validate(body)
    except ValidationError as error:
        raise ReceiptError(f"not a valid receipt: {describe_error(error)}") from None


def open_purchase_orders(resources: MarketResources) -> list[str]:
    """The market's open POs, one line each: id, supplier, units still to come, expected arrival."""
    dynamodb = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
    lines = []
    for po in sorted(PurchaseOrderStore(dynamodb, resources.purchase_orders_table).open_orders(resources.market),
                     key=lambda po: po["po_id"]):  # fmt: skip
        received = po.get("received", {})
        outstanding = sum(max(0, line["quantity"] - received.get(line["sku"], 0)) for line in po["lines"])
        lines.append(f"{po['po_id']} ({po['supplier']}: {outstanding} units outstanding, due {po['expected_arrival']})")
    return lines


def receive(resources: MarketResources, receipt: GoodsReceipt) -> ReceiptOutcome:
    """Book it in the market's own region, then settle the stock alerts of what it touched."""
    dynamodb = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
    receiving = Receiving(
        purchase_orders=PurchaseOrderStore(dynamodb, resources.purchase_orders_table),
        inventory=InventoryStore(dynamodb, resources.inventory_table),
        market=load_markets()[resources.market],
        bus_name=resources.event_bus_name,
        put_events=partial(put_all, boto3.client("events", region_name=resources.region)),
    )
    return receiving.receive(receipt)


def receipt_line(receipt: GoodsReceipt, outcome: ReceiptOutcome) -> str:
    """What the command prints: the outcome, in one line."""
    units = ", ".join(f"{line.sku} x{line.quantity}" for line in receipt.lines)
    if outcome.status is ReceiptStatus.REFUSED:
        return f"{receipt.receipt_id} refused: {outcome.reason}"
    closed = "; the purchase order is closed" if outcome.po_closed else ""
    return f"{receipt.receipt_id} {outcome.status.value} against {receipt.po_id}: {units}{closed}"
