"""The receiving and fulfilment handlers on moto (in-process), fed the sample SQS events in events/.

Thin handlers: a booked receipt or applied update is acknowledged, so is its redelivery (applied
once); a message that does not parse, or a receipt the PO refuses, goes to the queue's DLQ with
the reason (never an input value) and is acknowledged; only a transient failure is reported as a
batch item failure.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from livebase.aws import TransientError
from livebase.batches.quarantine import CONDITION_ATTRIBUTE, REASON_ATTRIBUTE, SOURCE_MESSAGE_ATTRIBUTE
from livebase.commerce.inventory import StockItem
from livebase.commerce.wms_handoff import hand_off_orders
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import WMS_PICKED, WMS_SHIPPED, OrderStore
from livebase.stores.purchase_orders import RECEIVED, PurchaseOrderStore
from tests.support.lambda_events import CONTEXT, EVENTS_DIR, sample, with_bodies
from tests.support.moto_market import Market
from tests.support.orders import NOW, placed, po


def test_every_sample_sqs_event_has_lambdas_shape_and_a_contract_body() -> None:
    from livebase.commerce.fulfilment import ShipmentUpdate
    from livebase.passport.signing import SignedEnvelope  # its handler: test_passport_handlers.py
    from livebase.replenishment.receiving import GoodsReceipt

    contracts: dict[str, type[BaseModel]] = {"sqs_goods_receipt": GoodsReceipt, "sqs_shipment_update": ShipmentUpdate}
    contracts["sqs_passport_supply_event"] = SignedEnvelope
    samples = sorted(EVENTS_DIR.glob("sqs_*.json"))
    assert {p.stem for p in samples} == set(contracts)
    for path in samples:
        for record in json.loads(path.read_text())["Records"]:
            assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].startswith("arn:aws:sqs:")
            assert {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody"} <= set(record)
            contracts[path.stem].model_validate_json(record["body"])


def test_receipt_booked_once_refused_and_malformed_ones_quarantined(aws: None) -> None:
    market = Market("eu")
    dynamodb = market.dynamodb
    store = PurchaseOrderStore(dynamodb, market.resources.purchase_orders_table)
    inventory = InventoryStore(dynamodb, market.resources.inventory_table)
    store.put_new(po())
    inventory.create(StockItem(sku="SKU-A1", warehouse="WH-EU-1", market="eu", available=2))
    module = market.handler("receiving")
    event = sample("sqs_goods_receipt")
    assert module.lambda_handler(event, CONTEXT) == {"batchItemFailures": []}
    assert module.lambda_handler(event, CONTEXT) == {"batchItemFailures": []}  # delivered twice
    item = inventory.get("SKU-A1", "WH-EU-1")
    assert item is not None and item.available == 8  # 2 + 6, once
    over = json.dumps({"receipt_id": "RCV-OVER-1", "po_id": po()["po_id"], "lines": [{"sku": "SKU-A1", "quantity": 5}]})
    bad = json.dumps({"receipt_id": "RCV-BAD-1", "po_id": po()["po_id"], "lines": [{"sku": "alice@example.com"}]})
    stray = with_bodies(event, over, bad, "not json at all")
    assert module.lambda_handler(stray, CONTEXT) == {"batchItemFailures": []}  # acknowledged, not retried
    dead = market.dead_letters(market.resources.goods_receipts_dlq_url)
    assert sorted(m["Body"] for m in dead) == sorted([over, bad, "not json at all"])  # bodies as received
    reasons = {m["Body"]: m["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] for m in dead}
    conditions = {m["Body"]: m["MessageAttributes"][CONDITION_ATTRIBUTE]["StringValue"] for m in dead}
    assert "over-receipt of SKU-A1" in reasons[over] and conditions[over] == "Refused"
    assert "lines" in reasons[bad] and "alice@example.com" not in reasons[bad]
    assert conditions[bad] == conditions["not json at all"] == "ValidationFailed"
    ids = {m["MessageAttributes"][SOURCE_MESSAGE_ATTRIBUTE]["StringValue"] for m in dead}
    assert ids == {r["messageId"] for r in stray["Records"]}
    rest = json.dumps({"receipt_id": "RCV-REST-1", "po_id": po()["po_id"],
                       "lines": [{"sku": "SKU-A1", "quantity": 4}, {"sku": "SKU-NEW", "quantity": 4}]})  # fmt: skip
    assert module.lambda_handler(with_bodies(event, rest), CONTEXT) == {"batchItemFailures": []}
    closed = store.get(po()["po_id"])
    assert closed is not None and closed["status"] == RECEIVED


def test_only_transient_failures_are_batch_item_failures(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    market = Market("eu")
    module = market.handler("receiving")

    class Flaky:
        def receive(self, receipt: Any) -> Any:
            raise TransientError("throttled")

    monkeypatch.setattr(module, "receiving", Flaky())
    event = sample("sqs_goods_receipt")
    failures = module.lambda_handler(event, CONTEXT)["batchItemFailures"]
    assert failures == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    assert market.dead_letters(market.resources.goods_receipts_dlq_url) == []

    class Broken:
        def receive(self, receipt: Any) -> Any:
            raise KeyError("a bug")

    monkeypatch.setattr(module, "receiving", Broken())
    assert module.lambda_handler(event, CONTEXT) == {"batchItemFailures": []}
    [dead] = market.dead_letters(market.resources.goods_receipts_dlq_url)
    assert dead["MessageAttributes"][CONDITION_ATTRIBUTE]["StringValue"] == "ProcessingFailed"
    assert dead["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "unexpected KeyError handling a goods receipt"


def test_shipment_updates_move_the_order_on_once(aws: None) -> None:
    market = Market("sea")
    orders = OrderStore(market.resources.orders_table, market.resources.region)
    orders.save(placed("ord-f1", NOW, ("SKU-A", 1, "1")), "placed")
    hand_off_orders(orders, market.sqs, market.resources.wms_queue_url, "WH-SEA-1", NOW)
    module = market.handler("fulfilment")
    event = sample("sqs_shipment_update")
    picked_only = {"Records": event["Records"][:1]}
    assert module.lambda_handler(picked_only, CONTEXT) == {"batchItemFailures": []}
    order = orders.get("ord-f1")
    assert order is not None and order.wms_status == WMS_PICKED
    assert module.lambda_handler(event, CONTEXT) == {"batchItemFailures": []}  # picked again, then shipped
    assert module.lambda_handler(event, CONTEXT) == {"batchItemFailures": []}  # both delivered twice
    order = orders.get("ord-f1")
    assert order is not None and (order.wms_status, order.carrier) == (WMS_SHIPPED, "demo-post")
    bad = json.dumps({"type": "shipment_update", "update_id": "upd-bad-1", "order_id": "ord-f1", "status": "lost"})
    assert module.lambda_handler(with_bodies(event, bad), CONTEXT) == {"batchItemFailures": []}
    [dead] = market.dead_letters(market.resources.shipment_updates_dlq_url)
    assert dead["Body"] == bad
    reason = dead["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"]
    assert "status" in reason and "warehouse" in reason and "lost" not in reason
