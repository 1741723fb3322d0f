"""PurchaseOrderStore on moto (in-process): put once, open POs of a market, the announce outbox."""

from __future__ import annotations

from datetime import date
from typing import Any

import boto3
import pytest

from livebase.replenishment.planning import on_order
from livebase.stores.purchase_orders import ATTRIBUTES, OPEN, PurchaseOrderItem, PurchaseOrderLine, PurchaseOrderStore
from tests.support.tables import string_keyed_table

REGION = "eu-central-1"


def item(po_id: str, market: str = "eu", status: str = OPEN, arrival: str = "2026-12-01") -> PurchaseOrderItem:
    return PurchaseOrderItem(
        po_id=po_id, market=market, supplier="SUP", run_date="2026-11-25", status=status, announced=False,
        created_at="2026-11-25T10:00:00+00:00", flow_run_id="run", currency="EUR", expected_arrival=arrival,
        lines=[PurchaseOrderLine(sku="A", quantity=12, unit_cost="2.50")], total_cost="30.00",
    )  # fmt: skip


@pytest.fixture
def store(aws: Any) -> PurchaseOrderStore:
    client = boto3.client("dynamodb", region_name=REGION)  # in the in-process moto ``aws`` started
    return PurchaseOrderStore(client, string_keyed_table(client, "purchase-orders", "po_id"))


def test_put_new_keeps_the_first_and_open_orders_decode_as_declared(store: PurchaseOrderStore) -> None:
    assert store.put_new(item("PO-1")) is True
    changed = item("PO-1")
    changed["total_cost"] = "99"
    assert store.put_new(changed) is False  # a re-run the same day keeps the first
    store.put_new(item("PO-2", market="sea"))
    store.put_new(item("PO-3", status="received"))
    store.put_new(item("PO-4", arrival="2026-11-20"))
    found = sorted(store.open_orders("eu"), key=lambda po: po["po_id"])
    assert [po["po_id"] for po in found] == ["PO-1", "PO-4"]
    assert found[0] == item("PO-1") and set(found[0]) == set(ATTRIBUTES)
    assert type(found[0]["lines"][0]["quantity"]) is int and found[0]["announced"] is False
    assert on_order(found, date(2026, 11, 25)) == {"A": 12}  # PO-4 is overdue: assumed lost or received


def test_mark_announced(store: PurchaseOrderStore) -> None:
    store.put_new(item("PO-1"))
    store.mark_announced("PO-1")
    assert store.open_orders("eu")[0]["announced"] is True
