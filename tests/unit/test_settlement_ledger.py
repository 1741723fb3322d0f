"""The settlement ledger on moto: the order's life puts its signals, the consumer posts each event once
from the order record, in any order and however often; refusals name the field; the handler's batch."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from livebase.commerce import messages as msg
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase.settlement.accounts import Kind, balances
from livebase.settlement.fees import FEES_VARIABLE, load_fees
from livebase.settlement.postings import facts_of
from livebase.settlement.reconciliation import differences, expected_balances
from livebase.settlement.service import Settlement, SettlementRefused
from livebase.settlement.statements import require_balanced, trial_balance
from livebase.signals import SignalError
from livebase.stores.settlement import DAY_INDEX, SettlementStore
from livebase_local.runner.functions import load_handler
from tests.support.lambda_events import lambda_context, sample, with_bodies
from tests.support.shop import BUYER, T0, Shop, open_shop, order

AT = T0 + timedelta(minutes=1)
VIEWER = msg.Requester(kind="viewer", viewer_id=BUYER)


def ledger_table(dynamodb: Any) -> str:
    """The ledger's table as the stack makes it (keys and the day index)."""
    name = f"ledger-{uuid.uuid4().hex[:8]}"
    attributes = [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "day", "txn_id")]
    dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=attributes,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": DAY_INDEX, "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}, {"AttributeName": "txn_id", "KeyType": "RANGE"}],
        }],
    )  # fmt: skip
    return name


def delivered(entry: Any) -> dict[str, Any]:
    """A PutEvents entry as the rule delivers it to the queue."""
    return {"version": "0", "id": str(uuid.uuid4()), "source": entry["Source"], "detail-type": entry["DetailType"],
            "time": "2026-12-03T10:00:00Z", "detail": json.loads(entry["Detail"])}  # fmt: skip


@pytest.fixture
def shop(aws: Any) -> Shop:
    opened = open_shop("eu", {"SKU-A1": "19.90", "SKU-B2": "5.05"})
    opened.stock({"SKU-A1": 10, "SKU-B2": 10})
    return replace(opened, life=replace(opened.life, bus_name="bus", put_events=opened.bus))


@pytest.fixture
def settlement(shop: Shop) -> Settlement:
    store = SettlementStore(shop.dynamodb, ledger_table(shop.dynamodb))
    return Settlement(store, shop.orders, load_fees("eu"), clock=lambda: T0 + timedelta(days=3))


def life_of_an_order(shop: Shop) -> None:
    shop.intake.accept(order(shop, "ord-001", ("SKU-A1", 2, "19.90"), ("SKU-B2", 1, "5.05")), AT)
    received = msg.ReturnReceived(
        message_id="rma-001", order_id="ord-001", warehouse="WH-EU-1", at=AT + timedelta(days=2),
        lines=(msg.ReceivedLine(sku="SKU-A1", sellable=1, written_off=0),),
    )  # fmt: skip
    refund = msg.RefundRequest(message_id="rfd-001", order_id="ord-001", at=AT + timedelta(days=2, minutes=5),
                               requested_by=msg.Requester(kind="livebase"), currency="EUR",
                               reason="return_received")  # fmt: skip
    asked = msg.ReturnRequested(message_id="ret-001", order_id="ord-001", at=AT + timedelta(days=1),
                                requested_by=VIEWER, lines=(msg.ReturnLine(sku="SKU-A1", quantity=1),))  # fmt: skip
    shipped = msg.WmsUpdate(update_id="wms-001", order_id="ord-001", warehouse="WH-EU-1", status="shipped", at=AT)  # type: ignore[arg-type]
    for message in (shipped, asked, received, refund, refund):  # the refund twice: its signal twice
        shop.life.apply(message)


def test_the_life_of_an_order_puts_its_signals_and_no_amount(shop: Shop) -> None:
    life_of_an_order(shop)
    kinds = [e["DetailType"] for e in shop.bus.entries if e["Source"] == "livebase.orders"]
    assert kinds == ["OrderPlaced", "OrderShipped", "OrderShipped", "OrderReturned", "OrderRefunded", "OrderRefunded"]
    refunded = shop.bus.of("OrderRefunded")[0]
    assert refunded == {"order_id": "ord-001", "market": "eu", "event": "refund_requested:rfd-001",
                        "at": (AT + timedelta(days=2, minutes=5)).isoformat()}  # fmt: skip


def test_each_event_posts_once_in_any_order_and_the_ledger_reconciles(shop: Shop, settlement: Settlement) -> None:
    life_of_an_order(shop)
    events = [delivered(e) for e in shop.bus.entries if e["Source"] == "livebase.orders"]
    posted = [settlement.settle(event).posted for event in [*reversed(events), *events]]
    assert sum(len(p) for p in posted) == 5  # accepted, session fee, shipped, returned, refunded: once each
    assert posted[0] == ("accepted:ord-001", "shipped:ord-001", "returned:ord-001:return_received:rma-001",
                         "refunded:ord-001:19.90", "session-fee:sess-1")  # fmt: skip
    ledger = settlement.ledger.all_transactions()
    assert {t.kind for t in ledger} == set(Kind) - {Kind.PO_RECEIVED}
    assert require_balanced(trial_balance("eu", "EUR", ledger)).balanced
    found = shop.orders.read_state("ord-001")
    assert found is not None
    expected = expected_balances([facts_of(*found)], settlement.fees)
    assert differences(expected, {a.key: v for a, v in balances(ledger).items()}) == []
    by_day = settlement.ledger.transactions_of([(T0 + timedelta(days=3)).date().isoformat()])
    assert sorted(t.txn_id for t in by_day) == sorted(t.txn_id for t in ledger)
    clearing = {a.key: v for a, v in balances(ledger).items()}["buyers:clearing"]
    assert clearing == Decimal("44.85") - Decimal("19.90")  # paid by the buyer, less the refund


def test_refusals_name_the_field_never_the_value(shop: Shop, settlement: Settlement) -> None:
    shop.intake.accept(order(shop, "ord-002", ("SKU-A1", 1, "19.90")), AT)
    placed = delivered(shop.bus.entries[0])
    with pytest.raises(SettlementRefused, match=r"^order_id: not an order of this market$"):
        settlement.settle({**placed, "detail": {**placed["detail"], "order_id": "ord-elsewhere"}})
    with pytest.raises(SettlementRefused, match=r"^market: "):
        settlement.settle({**placed, "detail": {**placed["detail"], "market": "sea"}})
    with pytest.raises(SignalError, match=r"^detail\.order_id: "):
        settlement.settle({**placed, "detail": {**placed["detail"], "order_id": 7}})
    assert settlement.ledger.all_transactions() == []


def test_the_handler_posts_a_batch_and_sends_what_it_refuses_to_its_dlq(
    shop: Shop, settlement: Settlement, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.intake.accept(order(shop, "ord-003", ("SKU-A1", 1, "19.90")), AT)
    sqs = boto3.client("sqs", region_name=shop.market.region)
    dlq = sqs.create_queue(QueueName=f"settlement-dlq-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    names = {f: "unused" for f in OUTPUTS} | {
        "orders_table": shop.orders.model.Meta.table_name, "settlement_ledger_table": settlement.ledger.table,
        "settlement_dlq_url": dlq,
    }  # fmt: skip
    resources = MarketResources(market="eu", region=shop.market.region, **names)
    fees = {FEES_VARIABLE: load_fees("eu").environment_json()}
    handler = load_handler("settlement", resources, container=uuid.uuid4().hex, environment=fees)[1]
    placed = json.dumps(delivered(shop.bus.entries[0]))
    event = with_bodies(sample("sqs_goods_receipt"), placed, placed, "not json", json.dumps({"source": "x"}))
    response = handler(event, lambda_context("livebase-eu-settlement", shop.market.region))
    assert response == {"batchItemFailures": []}
    assert [t.txn_id for t in settlement.ledger.all_transactions() if t.kind is Kind.ACCEPTED] == ["accepted:ord-003"]
    refused = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    assert len(refused) == 2 and all(
        "x" not in m["MessageAttributes"].get("reason", {}).get("StringValue", "") for m in refused
    )


def test_goods_received_post_the_pos_cost_of_what_came_in_once_per_level(shop: Shop, settlement: Settlement) -> None:
    from livebase.replenishment.receiving import GoodsReceipt, Receiving
    from livebase.stores.purchase_orders import PurchaseOrderStore
    from tests.support.orders import po
    from tests.support.tables import string_keyed_table

    pos = PurchaseOrderStore(shop.dynamodb, string_keyed_table(shop.dynamodb, "purchase-orders", "po_id"))
    pos.put_new(po())
    receiving = Receiving(pos, shop.inventory, shop.market, "bus", shop.bus)
    books = replace(settlement, purchase_orders=pos)
    for receipt_id, units in (("RCV-001", 6), ("RCV-002", 4)):
        lines = [{"sku": "SKU-A1", "quantity": units}]
        receiving.receive(
            GoodsReceipt.model_validate({"receipt_id": receipt_id, "po_id": po()["po_id"], "lines": lines})
        )
    received = [delivered(e) for e in shop.bus.entries if e["DetailType"] == "GoodsReceived"]
    assert [r["detail"]["receipt_id"] for r in received] == ["RCV-001", "RCV-002"]
    posted = [books.settle(event).posted for event in [*received, *received]]
    assert posted == [(f"po-received:{po()['po_id']}:25.00",), (), (), ()]  # both in already: 10 × 2.50, once
    [txn] = books.ledger.all_transactions()
    assert {e.account.key: e.amount for e in txn.entries} == {"base:inventory": Decimal("25.00"),
                                                               "supplier:payable:SUP": Decimal("-25.00")}  # fmt: skip
    with pytest.raises(SettlementRefused, match=r"^po_id: not a purchase order of this market$"):
        books.settle({**received[0], "detail": {**received[0]["detail"], "po_id": "PO-eu-NONE-20261203"}})
