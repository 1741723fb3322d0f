"""A presale end to end on the local AWS: opened against an inbound PO (as ops would, ``./livebase presale
open``) → sold in the room (orders on the stream, each twice) → held from the WMS → the PO's goods
received through the stack's goods-receipts queue (two receipts, each twice, the later one first) →
the presold orders served first, oldest first, then handed to the WMS once each; stock exact."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from livebase.commerce.wms_handoff import hand_off_orders
from livebase.replenishment.presales import PresaleRefused
from livebase.stores.order_table import OrderRecord
from livebase.stores.orders import OrderStore
from livebase.stores.presales import PresaleBook
from livebase.stores.purchase_orders import OPEN, RECEIVED, PurchaseOrderItem, PurchaseOrderLine, PurchaseOrderStore
from livebase_local.commands.presale import open_market_presale
from livebase_local.platform import queue_consumers
from livebase_local.runner.sources import EventSources
from livebase_local.simulator.stock import seed_stock, stock_store
from tests.support.catalogue import list_sku
from tests.support.local_aws import LocalAwsStack
from tests.support.pipeline import drain_queue, open_pipeline, order, unique

pytestmark = pytest.mark.slow

MARKET, WAREHOUSE, PRICE = "sea", "WH-SEA-1", "9.90"


class OurOrders(OrderStore):
    """The market's orders store, due orders limited to this test's (the table holds other tests')."""

    def __init__(self, store: OrderStore, ours: set[str]) -> None:
        self.model, self.retention_days, self.ours = store.model, store.retention_days, ours

    def due_for_wms(self, now: datetime, stale_after: timedelta) -> list[OrderRecord]:
        return [o for o in super().due_for_wms(now, stale_after) if o.order_id in self.ours]


def test_a_presale_through_the_room_and_the_goods_receipt_to_the_wms(local_aws: LocalAwsStack) -> None:
    pipe = open_pipeline(local_aws, MARKET)
    resources, deployment = pipe.resources, local_aws.deployments[MARKET]
    receiving = EventSources(queue_consumers(deployment, resources)[0])
    receiving.drain(timeout=60)
    sqs = boto3.client("sqs", region_name=resources.region)
    tag = uuid.uuid4().hex[:8].upper()
    sku, po_id = f"SKU-PRE-{tag}", f"PO-sea-PRE-{tag}"
    list_sku(resources, sku, PRICE)
    seed_stock(resources, {sku: 1})  # one unit on the shelf
    arrival = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    PurchaseOrderStore.for_market(resources).put_new(PurchaseOrderItem(
        po_id=po_id, market=MARKET, supplier="SUP-TEST", run_date=arrival, status=OPEN, announced=True,
        created_at=datetime.now(UTC).isoformat(), flow_run_id="test", currency="SGD", expected_arrival=arrival,
        lines=[PurchaseOrderLine(sku=sku, quantity=10, unit_cost="3.00")], total_cost="30.00",
    ))  # fmt: skip

    # 1. Ops open the presale: at most what the PO still brings.
    with pytest.raises(PresaleRefused, match=f"exceeds every open PO's unpromised units .at most 10, on {po_id}"):
        open_market_presale(resources, sku, 11)
    opened = open_market_presale(resources, sku, 6)
    assert (opened.po_id, opened.cap, opened.left, opened.expected_arrival) == (po_id, 6, 6, arrival)

    # 2. The room sells it: each order twice on the stream; the fourth finds nothing left.
    ours = {name: unique(f"ord-pre-{name}") for name in ("a", "b", "c", "d")}
    for name, units in (("a", 3), ("b", 2), ("c", 2), ("d", 1)):  # a: the shelf's unit + 2 presold
        line = {"sku": sku, "quantity": units, "unit_price": PRICE}
        buyer = f"v_{uuid.uuid4().hex[:20]}"  # one buyer each: within the per-viewer purchase limit
        placed = order(ours[name], room_id="sea-room-pre", viewer_id=buyer, lines=[line])
        pipe.send([placed, placed])
    item = stock_store(resources).get(sku, WAREHOUSE)
    assert item is not None and (item.available, item.reserved, item.presale_left, item.presale_reserved) == (
        0, 1, 0, 6
    )  # fmt: skip
    orders = OrderStore.for_market(resources)
    assert [getattr(orders.get(ours[n]), "status", None) for n in "abcd"] == ["placed"] * 3 + ["rejected"]

    # 3. Not to the WMS before the goods: every presold order is held.
    handoff = sqs.create_queue(QueueName=f"handoff-pre-{tag.lower()}")["QueueUrl"]
    book = PresaleBook(stock_store(resources))
    mine = OurOrders(orders, set(ours.values()))
    assert hand_off_orders(mine, sqs, handoff, WAREHOUSE, held=book.held_from_wms) == []

    # 4. The goods: two receipts through the stack's queue, each twice, the later one first.
    def receipt(receipt_id: str, units: int) -> str:
        return json.dumps({"receipt_id": receipt_id, "po_id": po_id, "lines": [{"sku": sku, "quantity": units}]})

    for body in (receipt(f"RCV-PRE-{tag}-2", 7), receipt(f"RCV-PRE-{tag}-2", 7)):
        sqs.send_message(QueueUrl=resources.goods_receipts_queue_url, MessageBody=body)
    receiving.drain(timeout=120)
    for body in (receipt(f"RCV-PRE-{tag}-1", 3), receipt(f"RCV-PRE-{tag}-1", 3)):
        sqs.send_message(QueueUrl=resources.goods_receipts_queue_url, MessageBody=body)
    counters = receiving.drain(timeout=120)

    # 5. Presold orders first (a's 2, b's 2, c's 2 from the first 7 units), the rest on the shelf: exact.
    item = stock_store(resources).get(sku, WAREHOUSE)
    assert item is not None and (item.available, item.reserved, item.presale_left, item.presale_reserved) == (
        4, 7, 0, 0
    )  # fmt: skip
    assert item.presale_cap == 0  # the PO is in: nothing more to presell on it
    booked = PurchaseOrderStore.for_market(resources).get(po_id)
    assert booked is not None and booked["status"] == RECEIVED and booked["received"] == {sku: 10}
    assert sorted(booked["receipts"]) == [f"RCV-PRE-{tag}-1", f"RCV-PRE-{tag}-2"]
    for name in "abc":
        reservation = stock_store(resources).reservation(ours[name])
        assert reservation is not None and all(line["presale"] == 0 for line in reservation["lines"])

    # 6. Now they go to the WMS, once each.
    assert sorted(hand_off_orders(mine, sqs, handoff, WAREHOUSE, held=book.held_from_wms)) == sorted(
        ours[n] for n in "abc"
    )  # fmt: skip
    assert hand_off_orders(mine, sqs, handoff, WAREHOUSE, held=book.held_from_wms) == []
    assert sorted(m["order_id"] for m in drain_queue(handoff, resources.region)) == sorted(ours[n] for n in "abc")
    assert drain_queue(resources.goods_receipts_dlq_url, resources.region) == []
    assert all(counter.failed == 0 for counter in counters.values())
