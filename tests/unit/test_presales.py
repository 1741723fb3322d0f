"""Presales on moto (in-process): opened against a PO's unpromised units, sold in the room, served first
by the goods receipt (oldest orders first), held from the WMS until then; a PO short or late."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from livebase.commerce.inventory import LineRequest, Outcome, StockItem
from livebase.commerce.wms_handoff import hand_off_orders
from livebase.replenishment.presales import (
    SHORT_REASON,
    PresaleRefused,
    announce_late,
    cancel_requests,
    open_presale,
)
from livebase.replenishment.receiving import GoodsReceipt, ReceiptStatus, book_receipt
from livebase.signals import parse_event
from livebase.signals.presales import PresaleLate
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import PLACED, OrderStore
from livebase.stores.presales import PresaleBook
from livebase.stores.purchase_orders import OPEN, SHORT, PurchaseOrderItem, PurchaseOrderLine, PurchaseOrderStore
from tests.support.orders import placed
from tests.support.tables import string_keyed_table

REGION, W, SKU = "eu-central-1", "WH-EU-1", "SKU-PRE-1"
AT = datetime(2026, 12, 3, 12, tzinfo=UTC)


def purchase_order(
    po_id: str = "PO-eu-PRE-20261203", units: int = 10, arrival: str = "2026-12-08"
) -> PurchaseOrderItem:
    return PurchaseOrderItem(
        po_id=po_id, market="eu", supplier="PRE", run_date="2026-12-03", status=OPEN, announced=True,
        created_at="2026-12-03T10:00:00+00:00", flow_run_id="run", currency="EUR", expected_arrival=arrival,
        lines=[PurchaseOrderLine(sku=SKU, quantity=units, unit_cost="2.50")], total_cost="25.00",
    )  # fmt: skip


@dataclass
class Stores:
    purchase_orders: PurchaseOrderStore
    inventory: InventoryStore
    book: PresaleBook

    def open(self, cap: int, po_id: str | None = None) -> Any:
        return open_presale(self.book, self.purchase_orders, "eu", W, SKU, cap, po_id)

    def sell(self, order_id: str, units: int) -> Outcome:
        return self.inventory.reserve(order_id, f"evt-{order_id}", [LineRequest(SKU, W, units)]).outcome

    def receive(self, receipt_id: str, units: int, final: bool = False, po_id: str = "PO-eu-PRE-20261203") -> Any:
        body = {"receipt_id": receipt_id, "po_id": po_id, "lines": [{"sku": SKU, "quantity": units}], "final": final}
        return book_receipt(GoodsReceipt.model_validate(body), self.purchase_orders, self.inventory, W)

    def levels(self) -> tuple[int, int, int, int]:
        """(available, reserved, presale left, presale waiting)"""
        state = self.book.state(SKU, W)
        assert state is not None
        return state.available, state.reserved, state.left, state.waiting


@pytest.fixture
def stores(aws: Any) -> Stores:
    """eu's inventory and POs: SKU-PRE-1 tracked with 1 unit on the shelf, a PO bringing 10 on 2026-12-08."""
    client = boto3.client("dynamodb", region_name=REGION)
    inventory = InventoryStore(
        client, string_keyed_table(client, "inventory", "sku", "warehouse"), sleep=lambda _: None
    )
    found = Stores(
        PurchaseOrderStore(client, string_keyed_table(client, "purchase-orders", "po_id")),
        inventory,
        PresaleBook(inventory, sleep=lambda _: None, clock=lambda: AT),
    )
    found.purchase_orders.put_new(purchase_order())
    inventory.create(StockItem(sku=SKU, warehouse=W, market="eu", available=1))
    return found


def test_a_presale_is_capped_by_the_pos_unpromised_units(stores: Stores) -> None:
    with pytest.raises(
        PresaleRefused, match=r"cap 11 of SKU-PRE-1 exceeds every open PO.s unpromised units \(at most 10"
    ):
        stores.open(11)
    opened = stores.open(6)
    assert (opened.po_id, opened.cap, opened.left, opened.unpromised) == ("PO-eu-PRE-20261203", 6, 6, 4)
    assert stores.open(6).cap == 6  # the same again: nothing twice
    with pytest.raises(PresaleRefused, match="exceeds the 10 units PO-eu-PRE-20261203 still has to deliver"):
        stores.open(11, "PO-eu-PRE-20261203")
    with pytest.raises(PresaleRefused, match="PO-nope is not an open purchase order"):
        stores.open(2, "PO-nope")
    state = stores.book.state(SKU, W)
    assert state is not None and state.po_id == "PO-eu-PRE-20261203" and state.expected_arrival == "2026-12-08"


def test_the_receipt_serves_presold_orders_first_oldest_first_and_they_leave_the_wms_hold(stores: Stores) -> None:
    stores.open(6)
    assert stores.sell("ord-001", 3) is Outcome.APPLIED  # 1 spot + 2 presold
    assert stores.sell("ord-002", 2) is Outcome.APPLIED  # presold
    assert stores.sell("ord-003", 2) is Outcome.APPLIED  # presold
    assert stores.levels() == (0, 1, 0, 6)
    assert stores.sell("ord-004", 1) is Outcome.REJECTED  # the cap is sold out
    assert stores.book.held_from_wms(["ord-001", "ord-002", "ord-003", "ord-00x"]) == {"ord-001", "ord-002", "ord-003"}

    partial = stores.receive("RCV-PRE-1", 3)  # 3 units: ord-1's 2, then 1 of ord-2's 2
    assert partial.status is ReceiptStatus.BOOKED and partial.served == (("ord-001", 2), ("ord-002", 1))
    assert stores.levels() == (0, 4, 0, 3)
    assert stores.book.held_from_wms(["ord-001", "ord-002", "ord-003"]) == {"ord-002", "ord-003"}
    assert stores.receive("RCV-PRE-1", 3).status is ReceiptStatus.DUPLICATE  # delivered twice
    assert stores.levels() == (0, 4, 0, 3)

    full = stores.receive("RCV-PRE-2", 7)  # the rest: ord-2's last unit, ord-3's 2, then 4 to the shelf
    assert full.po_closed and full.served == (("ord-002", 1), ("ord-003", 2))
    assert stores.levels() == (4, 7, 0, 0)
    assert stores.book.held_from_wms(["ord-001", "ord-002", "ord-003"]) == set()
    reservation = stores.inventory.reservation("ord-002")
    assert reservation is not None and reservation["lines"] == [{"sku": SKU, "warehouse": W, "spot": 2, "presale": 0}]
    state = stores.book.state(SKU, W)
    assert state is not None and (state.cap, state.left) == (0, 0)  # nothing more to presell on a closed PO


def test_a_sale_against_the_presale_after_a_partial_receipt_stays_within_what_is_still_coming(stores: Stores) -> None:
    stores.open(9)
    stores.sell("ord-001", 3)  # 1 spot, 2 presold
    stores.receive("RCV-PRE-1", 4)  # serves ord-1's 2; 2 to the shelf; 6 still to come, 7 left to presell
    assert stores.levels() == (2, 3, 6, 0)  # what is left of the presale fits the 6 units still coming
    with pytest.raises(PresaleRefused, match="exceeds the 6 units"):
        stores.open(7)


def test_a_short_po_cancels_the_youngest_presold_orders_and_names_them(stores: Stores) -> None:
    stores.open(6)
    for order_id, units in (("ord-001", 3), ("ord-002", 2), ("ord-003", 2)):
        stores.sell(order_id, units)  # ord-1: 1 spot + 2 presold; ord-2, ord-3: presold
    outcome = stores.receive("RCV-PRE-1", 3, final=True)  # the supplier's last delivery: 3 of 10
    assert outcome.status is ReceiptStatus.BOOKED and outcome.po_closed
    po = stores.purchase_orders.get("PO-eu-PRE-20261203")
    assert po is not None and po["status"] == SHORT
    assert outcome.served == (("ord-001", 2), ("ord-002", 1))
    [short] = outcome.shorts
    assert [o.order_id for o in short.orders] == ["ord-002", "ord-003"] and short.units == 3
    assert [(o.order_id, o.units) for o in short.kept] == [("ord-001", 2)]
    # ord-2 got one unit but not both: it is cancelled too, and its unit goes back to the shelf
    assert stores.levels() == (1, 3, 0, 0)
    assert stores.inventory.reservation("ord-003")["status"] == "released"  # type: ignore[index]
    assert stores.book.held_from_wms(["ord-001", "ord-002", "ord-003"]) == {"ord-002", "ord-003"}
    [cancel, _] = cancel_requests(short, AT)
    assert cancel.order_id == "ord-002" and cancel.requested_by.kind == "livebase" and cancel.reason == SHORT_REASON
    again = stores.receive("RCV-PRE-1", 3, final=True)  # delivered twice: nothing changes
    assert again.status is ReceiptStatus.DUPLICATE and stores.levels() == (1, 3, 0, 0)


def test_a_late_po_names_the_waiting_orders_once(stores: Stores) -> None:
    stores.open(4)
    stores.sell("ord-001", 3)
    stores.sell("ord-002", 1)
    entries: list[dict[str, Any]] = []
    assert announce_late(stores.book, "eu", W, "bus", entries.extend, date(2026, 12, 8)) == []  # due today: not late
    [late] = announce_late(stores.book, "eu", W, "bus", entries.extend, date(2026, 12, 10))
    assert (late.days_late, late.units, [o.order_id for o in late.orders]) == (2, 3, ["ord-001", "ord-002"])
    assert announce_late(stores.book, "eu", W, "bus", entries.extend, date(2026, 12, 11)) == []  # once
    [entry] = entries
    assert entry["DetailType"] == "presale.late" and "viewer" not in entry["Detail"]
    event = {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": json.loads(entry["Detail"])}
    assert isinstance(parse_event(event, PresaleLate).signal, PresaleLate)


def test_one_presale_per_sku_while_buyers_wait(stores: Stores) -> None:
    stores.purchase_orders.put_new(purchase_order("PO-eu-PRE-20261210", 5, "2026-12-10"))
    stores.open(4)
    stores.sell("ord-001", 3)
    with pytest.raises(PresaleRefused, match=r"presold on PO-eu-PRE-20261203 \(2 units waiting"):
        stores.open(3, "PO-eu-PRE-20261210")
    state = stores.book.state(SKU, W)
    assert state is not None and (state.po_id, state.cap, state.waiting) == ("PO-eu-PRE-20261203", 4, 2)


def test_the_wms_hand_off_holds_presold_orders_until_their_goods_are_in(stores: Stores) -> None:
    orders = OrderStore(string_keyed_table(boto3.client("dynamodb", region_name=REGION), "orders", "order_id"), REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="wms")["QueueUrl"]
    stores.open(6)
    for order_id, units in (("ord-001", 1), ("ord-002", 2)):  # ord-001 from the shelf, ord-002 presold
        stores.sell(order_id, units)
        orders.save(placed(order_id, AT, (SKU, units, "9.90")), PLACED)
    assert hand_off_orders(orders, sqs, queue, W, AT, held=stores.book.held_from_wms) == ["ord-001"]
    assert hand_off_orders(orders, sqs, queue, W, AT, held=stores.book.held_from_wms) == []  # still waiting
    stores.receive("RCV-PRE-1", 2)
    assert hand_off_orders(orders, sqs, queue, W, AT, held=stores.book.held_from_wms) == ["ord-002"]


def test_the_plan_presells_the_units_of_its_presale_slots_and_ops_open_one_by_command() -> None:
    from livebase.sessions.plan import planned_presales
    from livebase_local.commands.cli import build_parser

    def item(sku: str, kind: str, units: int) -> dict[str, Any]:
        return {"sku": sku, "kind": kind, "expected_units": units}

    plan = {"sessions": [{"lineup": [item("SKU-B", "presale", 4), item("SKU-A", "spot", 9)]},
                         {"lineup": [item("SKU-B", "presale", 3), item("SKU-C", "presale", 1)]}]}  # fmt: skip
    assert planned_presales(plan) == {"SKU-B": 7, "SKU-C": 1}
    args = build_parser().parse_args(["presale", "open", "--market", "eu", "--sku", SKU, "--cap", "6"])
    assert (args.command, args.market, args.sku, args.cap, args.po) == ("presale", "eu", SKU, 6, None)


def test_a_short_receipt_announces_once_and_sends_livebases_cancels_to_the_order_queue(stores: Stores) -> None:
    from livebase.commerce.messages import CancelRequest, order_message_adapter
    from livebase.markets.config import load_markets
    from livebase.replenishment.receiving import Receiving, queue_cancels

    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="order-returns")["QueueUrl"]
    entries: list[dict[str, Any]] = []
    receiving = Receiving(stores.purchase_orders, stores.inventory, load_markets()["eu"], "bus", entries.extend,
                          cancel=queue_cancels(sqs, queue), clock=lambda: AT)  # fmt: skip
    stores.open(6)
    stores.sell("ord-001", 3)
    stores.sell("ord-002", 2)
    body = {"receipt_id": "RCV-PRE-1", "po_id": "PO-eu-PRE-20261203", "lines": [{"sku": SKU, "quantity": 2}]}
    receipt = GoodsReceipt.model_validate({**body, "final": True})
    assert receiving.receive(receipt).status is ReceiptStatus.BOOKED
    assert receiving.receive(receipt).status is ReceiptStatus.DUPLICATE  # delivered twice: announced once
    [short] = [json.loads(e["Detail"]) for e in entries if e["DetailType"] == "presale.short"]
    assert [o["order_id"] for o in short["orders"]] == ["ord-002"] and short["kept"] == [
        {"order_id": "ord-001", "units": 2}
    ]  # fmt: skip
    [message] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    cancel = order_message_adapter.validate_json(message["Body"])
    assert isinstance(cancel, CancelRequest) and cancel.order_id == "ord-002" and cancel.reason == SHORT_REASON
    assert stores.levels() == (0, 3, 0, 0)  # ord-001: its shelf unit and the 2 delivered; nothing waits
