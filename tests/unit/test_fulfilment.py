"""The WMS round trip on moto (in-process): updates move an order forward only, once each, through the
order's life (``OrderLife``: the fulfilment function's path since issue 28)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest

from livebase.commerce.fulfilment import ShipmentUpdate
from livebase.commerce.order_life import UNKNOWN, Applied, OrderLife
from livebase.commerce.wms_handoff import hand_off_orders
from livebase.markets.config import load_markets
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import WMS_PICKED, WMS_SENT, WMS_SHIPPED, OrderStore
from livebase.stores.room_orders import RoomOrders
from tests.support.orders import NOW, placed
from tests.support.tables import REGION, string_keyed_table


def update(order_id: str, status: str, minutes: int = 0, **extra: Any) -> ShipmentUpdate:
    return ShipmentUpdate.model_validate({
        "update_id": f"{order_id}-{status}", "order_id": order_id, "warehouse": "WH-SEA-1", "status": status,
        "at": (NOW + timedelta(minutes=minutes)).isoformat(), **extra,
    })  # fmt: skip


def apply_update(store: OrderStore, update: ShipmentUpdate) -> Applied:
    """The fulfilment function's path for one update (an order stored before issue 28: no reservation)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    inventory = InventoryStore(dynamodb, string_keyed_table(dynamodb, "inventory", "sku", "warehouse"))
    rooms = RoomOrders(dynamodb, string_keyed_table(dynamodb, "rooms", "pk", "sk"))
    life = OrderLife(inventory, store, rooms, load_markets()["sea"], clock=lambda: NOW + timedelta(days=1))
    return life.apply(update)


def handed_off(store: OrderStore, *order_ids: str) -> None:
    for order_id in order_ids:
        store.save(placed(order_id, NOW, ("SKU-A", 1, "1")), "placed")
    sqs = boto3.client("sqs", region_name=REGION)
    hand_off_orders(store, sqs, sqs.create_queue(QueueName="wms")["QueueUrl"], "WH-SEA-1", NOW)


def test_picked_then_shipped_each_applied_once(store: OrderStore) -> None:
    handed_off(store, "ord-f1")
    assert apply_update(store, update("ord-f1", "picked")).outcome == "applied"
    again = apply_update(store, update("ord-f1", "picked"))
    assert again.outcome == "duplicate" and "was applied before" in again.reason
    assert apply_update(store, update("ord-f1", "shipped", 30, carrier="demo-post")).outcome == "applied"
    order = store.get("ord-f1")
    assert order is not None and (order.wms_status, order.carrier) == (WMS_SHIPPED, "demo-post")
    assert order.wms_picked_at == NOW and order.wms_shipped_at == NOW + timedelta(minutes=30)
    assert [o.order_id for o in store.handed_off()] == ["ord-f1"]


def test_a_late_picked_never_moves_a_shipped_order_back(store: OrderStore) -> None:
    handed_off(store, "ord-f2")
    assert apply_update(store, update("ord-f2", "shipped")).outcome == "applied"  # no picked step
    late = apply_update(store, update("ord-f2", "picked"))
    assert late.outcome == "stale" and "shipped already" in late.reason
    order = store.get("ord-f2")
    assert order is not None and order.wms_status == WMS_SHIPPED


def test_updates_for_unknown_orders_change_nothing_and_a_warehouse_step_implies_the_hand_off(store: OrderStore) -> None:
    unknown = apply_update(store, update("ord-none", "picked"))
    assert unknown.outcome == UNKNOWN and "not an order of this market" in unknown.reason
    store.save(placed("ord-f3", NOW, ("SKU-A", 1, "1")), "placed")
    assert apply_update(store, update("ord-f3", "picked")).outcome == "applied"  # the WMS has it: it was handed
    order = store.get("ord-f3")
    assert order is not None and order.wms_status == WMS_PICKED


def test_a_confirmation_that_overtakes_mark_sent_is_kept(store: OrderStore) -> None:
    store.save(placed("ord-f4", NOW, ("SKU-A", 1, "1")), "placed")
    order = store.get("ord-f4")
    assert order is not None and store.claim_for_wms(order, NOW)  # claimed (sending), message sent ...
    assert apply_update(store, update("ord-f4", "picked")).outcome == "applied"  # ... WMS is fast
    store.mark_sent(["ord-f4"], NOW)  # then the hand-off marks it sent: must not undo picked
    order = store.get("ord-f4")
    assert order is not None and order.wms_status == WMS_PICKED
    store.save(placed("ord-f5", NOW, ("SKU-A", 1, "1")), "placed")
    fresh = store.get("ord-f5")
    assert fresh is not None and store.claim_for_wms(fresh, NOW)
    store.mark_sent(["ord-f5"], NOW)
    assert (got := store.get("ord-f5")) is not None and got.wms_status == WMS_SENT


def test_updates_carry_no_buyer_data_and_are_validated() -> None:
    with pytest.raises(ValueError, match="extra"):
        update("ord-f6", "shipped", address="1 Orchard Road")
    with pytest.raises(ValueError, match="status"):
        update("ord-f6", "lost")
    with pytest.raises(ValueError, match="order_id"):
        update("6591234567", "picked")
