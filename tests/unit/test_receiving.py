"""Goods receipts on moto (in-process): partial receipts, over-receipt refused, once per receipt id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import boto3
import pytest

from livebase.commerce.inventory import StockItem
from livebase.replenishment.planning import on_order
from livebase.replenishment.receiving import GoodsReceipt, ReceiptStatus, book_receipt
from livebase.stores.inventory import InventoryStore
from livebase.stores.purchase_orders import OPEN, RECEIVED, PurchaseOrderStore
from tests.support.orders import po
from tests.support.tables import string_keyed_table

REGION, WAREHOUSE = "eu-central-1", "WH-EU-1"


def receipt(receipt_id: str, **units: int) -> GoodsReceipt:
    lines = [{"sku": sku.replace("_", "-"), "quantity": n} for sku, n in units.items()]
    return GoodsReceipt.model_validate({"receipt_id": receipt_id, "po_id": po()["po_id"], "lines": lines})


@dataclass
class Stores:
    purchase_orders: PurchaseOrderStore
    inventory: InventoryStore


@pytest.fixture
def stores(aws: Any) -> Stores:
    """eu's stores in the in-process moto (``aws``): the PO open, 2 units of SKU-A1 in stock."""
    client = boto3.client("dynamodb", region_name=REGION)
    found = Stores(
        PurchaseOrderStore(client, string_keyed_table(client, "purchase-orders", "po_id")),
        InventoryStore(client, string_keyed_table(client, "inventory", "sku", "warehouse")),
    )
    found.purchase_orders.put_new(po())
    found.inventory.create(StockItem(sku="SKU-A1", warehouse=WAREHOUSE, market="eu", available=2))
    return found


def book(stores: Stores, what: GoodsReceipt) -> ReceiptStatus:
    return book_receipt(what, stores.purchase_orders, stores.inventory, WAREHOUSE).status


def available(stores: Stores, sku: str) -> int:
    item = stores.inventory.get(sku, WAREHOUSE)
    return item.available if item else -1


def test_partial_receipts_raise_stock_and_the_last_closes_the_po(stores: Stores) -> None:
    assert book(stores, receipt("RCV-001", SKU_A1=6)) is ReceiptStatus.BOOKED
    assert available(stores, "SKU-A1") == 8
    stored = stores.purchase_orders.get(po()["po_id"])
    assert stored is not None and stored["status"] == OPEN and stored["received"] == {"SKU-A1": 6}
    assert on_order([stored], date(2026, 12, 3)) == {"SKU-A1": 4, "SKU-NEW": 4}  # what is still to come
    outcome = book_receipt(receipt("RCV-002", SKU_A1=4, SKU_NEW=4), stores.purchase_orders, stores.inventory, WAREHOUSE)
    assert outcome.status is ReceiptStatus.BOOKED and outcome.po_closed
    assert (available(stores, "SKU-A1"), available(stores, "SKU-NEW")) == (12, 4)  # a new SKU is tracked
    closed = stores.purchase_orders.get(po()["po_id"])
    assert closed is not None and closed["status"] == RECEIVED and closed["receipts"] == ["RCV-001", "RCV-002"]
    assert stores.purchase_orders.open_orders("eu") == []


def test_a_receipt_delivered_twice_counts_once(stores: Stores) -> None:
    assert book(stores, receipt("RCV-001", SKU_A1=6)) is ReceiptStatus.BOOKED
    assert book(stores, receipt("RCV-001", SKU_A1=6)) is ReceiptStatus.DUPLICATE
    assert available(stores, "SKU-A1") == 8


def test_over_receipt_and_unknown_lines_are_refused_with_the_reason_and_change_nothing(stores: Stores) -> None:
    over = book_receipt(receipt("RCV-001", SKU_A1=11), stores.purchase_orders, stores.inventory, WAREHOUSE)
    assert over.status is ReceiptStatus.REFUSED and "over-receipt of SKU-A1: 11 received, 10 outstanding" in over.reason
    stray = book_receipt(receipt("RCV-002", SKU_B2=1), stores.purchase_orders, stores.inventory, WAREHOUSE)
    assert stray.status is ReceiptStatus.REFUSED and "SKU-B2 is not ordered" in stray.reason
    unknown = GoodsReceipt.model_validate(
        {"receipt_id": "RCV-003", "po_id": "PO-nope-1", "lines": [{"sku": "SKU-A1", "quantity": 1}]}
    )
    assert book_receipt(unknown, stores.purchase_orders, stores.inventory, WAREHOUSE).reason.startswith(
        "unknown purchase order"
    )
    assert available(stores, "SKU-A1") == 2
    stored = stores.purchase_orders.get(po()["po_id"])
    assert stored is not None and "received" not in stored


def test_a_crash_between_the_po_and_the_stock_is_repaired_by_the_redelivery(stores: Stores) -> None:
    first = receipt("RCV-001", SKU_A1=6)
    current = stores.purchase_orders.get(po()["po_id"])
    assert current is not None
    assert stores.purchase_orders.book_receipt(current, "RCV-001", {"SKU-A1": 6}, closed=False)  # then the crash
    assert available(stores, "SKU-A1") == 2
    assert book(stores, first) is ReceiptStatus.DUPLICATE
    assert available(stores, "SKU-A1") == 8
    assert book(stores, first) is ReceiptStatus.DUPLICATE and available(stores, "SKU-A1") == 8


def test_a_booking_on_a_stale_read_is_refused_so_concurrent_receipts_both_count(stores: Stores) -> None:
    stale = stores.purchase_orders.get(po()["po_id"])
    assert stale is not None
    assert book(stores, receipt("RCV-001", SKU_A1=3)) is ReceiptStatus.BOOKED
    assert not stores.purchase_orders.book_receipt(stale, "RCV-002", {"SKU-A1": 3}, closed=False)
    assert book(stores, receipt("RCV-002", SKU_A1=3)) is ReceiptStatus.BOOKED  # re-read: 6 in total
    stored = stores.purchase_orders.get(po()["po_id"])
    assert stored is not None and stored["received"] == {"SKU-A1": 6}


def test_receipts_are_validated() -> None:
    with pytest.raises(ValueError, match="quantity"):
        receipt("RCV-001", SKU_A1=0)
    with pytest.raises(ValueError, match="receipt_id"):
        GoodsReceipt.model_validate(
            {"receipt_id": "x", "po_id": "PO-eu-1", "lines": [{"sku": "SKU-A1", "quantity": 1}]}
        )
