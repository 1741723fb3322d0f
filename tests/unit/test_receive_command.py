"""`./livebase receive` (issue 30): every bad line named at once, and an unknown PO answered with the
market's open purchase orders."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from livebase.stores.purchase_orders import PurchaseOrderStore
from livebase_local.commands.receive import ReceiptError, open_purchase_orders, parse_receipt, receive
from tests.support.moto_market import Market
from tests.support.orders import po


def test_every_bad_line_is_named() -> None:
    with pytest.raises(ReceiptError) as refused:
        parse_receipt("PO-eu-SUP-20261203", ["SKU-A1=4", "SKU-B2", "=3", "SKU-C3=many"])
    assert "'SKU-B2', '=3', 'SKU-C3=many': each line is SKU=QUANTITY" in str(refused.value)


def test_an_unknown_po_is_answered_with_the_open_ones(aws: Any) -> None:
    market = Market("eu")
    store = PurchaseOrderStore(market.dynamodb, market.resources.purchase_orders_table)
    store.put_new(po())
    store.put_new(po("PO-eu-SUP-20261204") | {"received": {"SKU-A1": 10}})
    store.put_new(po("PO-eu-SUP-20261201") | {"status": "received"})
    outcome = receive(market.resources, parse_receipt("PO-eu-NOPE", ["SKU-A1=1"]))
    assert outcome.reason == "unknown purchase order PO-eu-NOPE"
    assert open_purchase_orders(market.resources) == [
        "PO-eu-SUP-20261203 (SUP: 14 units outstanding, due 2026-12-08)",
        "PO-eu-SUP-20261204 (SUP: 4 units outstanding, due 2026-12-08)",
    ]
    empty = dataclasses.replace(market.resources, market="sea")
    assert open_purchase_orders(empty) == []
