"""An order's life applied to the stores (issue 28), on moto: each message through ``OrderLife.apply``,
delivered twice and out of order; stock follows (release before hand-off only, consume on shipment,
restock only what came back sellable, never from a refund) and the room's money follows the refunds."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from livebase.commerce import messages as msg
from livebase.commerce.order_life import UNKNOWN
from livebase.stores.orders import WMS_SHIPPED
from tests.support.shop import BUYER, OTHER, T0, Shop, open_shop, order

RECEIVED = T0 + timedelta(seconds=2)
VIEWER = msg.Requester(kind="viewer", viewer_id=BUYER)
STRANGER = msg.Requester(kind="viewer", viewer_id=OTHER)
OPS = msg.Requester(kind="ops", operator="ops-7")


def _placed(shop: Shop, order_id: str, units: int = 2) -> None:
    shop.intake.accept(order(shop, order_id, ("SKU-A1", units, "19.90")), RECEIVED)


def step(order_id: str, status: str, minutes: int) -> msg.WmsUpdate:
    at = T0 + timedelta(minutes=minutes)
    return msg.WmsUpdate(update_id=f"{order_id}-{status}", order_id=order_id, warehouse="WH-EU-1", status=status, at=at)  # type: ignore[arg-type]


def cancel(order_id: str, who: msg.Requester = VIEWER, reason: str | None = None) -> msg.CancelRequest:
    message_id = f"cxl-{order_id}-{who.viewer_id or who.kind}"
    return msg.CancelRequest(message_id=message_id, order_id=order_id, at=at(5), requested_by=who, reason=reason)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_unknown_orders_are_reported_not_applied(aws: Any) -> None:
    shop = open_shop("eu", {"SKU-A1": "19.90"})
    applied = shop.life.apply(cancel("ord-nobody"))
    assert applied.outcome == UNKNOWN and applied.kept and "not an order of this market" in applied.reason


def test_only_the_owner_cancels_before_hand_off_and_the_stock_goes_back_once(aws: Any) -> None:
    shop = open_shop("eu", {"SKU-A1": "19.90"})
    shop.stock({"SKU-A1": 10})
    _placed(shop, "ord-cxl-1")
    refused = shop.life.apply(cancel("ord-cxl-1", STRANGER))
    assert refused.outcome == "refused" and "only the order's own viewer" in refused.reason
    assert shop.levels("SKU-A1") == (8, 2)
    assert [shop.life.apply(cancel("ord-cxl-1")).outcome for _ in range(2)] == ["applied", "duplicate"]
    assert shop.levels("SKU-A1") == (10, 0)
    record = shop.orders.get("ord-cxl-1")
    assert record is not None and (record.status, record.lifecycle, record.refunded) == ("cancelled", "cancelled",
                                                                                         "39.80")  # fmt: skip
    [room] = shop.room_items("room-1")
    assert room["accepted"] == {"ord-cxl-1": Decimal("39.80")} and room["refund_amount"] == Decimal("39.80")
    # the cancelled order's late warehouse news is refused, and consumes nothing
    assert shop.life.apply(step("ord-cxl-1", "shipped", 60)).outcome == "refused"
    assert shop.levels("SKU-A1") == (10, 0)


def test_an_order_the_hand_off_claimed_can_no_longer_be_cancelled(aws: Any) -> None:
    shop = open_shop("eu", {"SKU-A1": "19.90"})
    shop.stock({"SKU-A1": 10})
    _placed(shop, "ord-cxl-2")
    record = shop.orders.get("ord-cxl-2")
    assert record is not None and shop.orders.claim_for_wms(record, at(1))
    refused = shop.life.apply(cancel("ord-cxl-2"))
    assert refused.outcome == "refused" and "possible only before hand-off" in refused.reason
    assert shop.levels("SKU-A1") == (8, 2)
    # and a cancelled order is never claimed
    _placed(shop, "ord-cxl-3")
    shop.life.apply(cancel("ord-cxl-3"))
    cancelled = shop.orders.get("ord-cxl-3")
    assert cancelled is not None and not shop.orders.claim_for_wms(cancelled, at(2))


def test_ship_return_restock_write_off_and_refund_each_once_in_any_order(aws: Any) -> None:
    shop = open_shop("eu", {"SKU-A1": "19.90"})
    shop.stock({"SKU-A1": 10})
    _placed(shop, "ord-ret-1")
    received = msg.ReturnReceived(
        message_id="rma-ret-1", order_id="ord-ret-1", warehouse="WH-EU-1", at=at(3 * 24 * 60),
        lines=(msg.ReceivedLine(sku="SKU-A1", sellable=1, written_off=1),),
    )  # fmt: skip
    asked = msg.ReturnRequested(message_id="ret-ret-1", order_id="ord-ret-1", at=at(2 * 24 * 60), requested_by=VIEWER,
                                lines=(msg.ReturnLine(sku="SKU-A1", quantity=2),))  # fmt: skip
    refund = msg.RefundRequest(message_id="rfd-ret-1", order_id="ord-ret-1", at=at(3 * 24 * 60 + 5),
                               requested_by=msg.Requester(kind="livebase"), currency="EUR",
                               reason="return_received")  # fmt: skip
    # delivered before shipped (implies it), shipped late, every message twice
    messages: list[msg.OrderMessage] = [step("ord-ret-1", "delivered", 24 * 60), step("ord-ret-1", "shipped", 60),
                                        asked, received, refund]  # fmt: skip
    outcomes = [shop.life.apply(m).outcome for m in messages for _ in range(2)]
    assert outcomes == ["applied", "duplicate", "stale", "stale", "applied", "duplicate", "applied", "duplicate",
                        "applied", "duplicate"]  # fmt: skip
    assert shop.levels("SKU-A1") == (9, 0)  # 10 on hand, 2 shipped, 1 back sellable, 1 written off
    record = shop.orders.get("ord-ret-1")
    assert record is not None and record.wms_status == WMS_SHIPPED and record.wms_delivered_at is not None
    assert (record.lifecycle, record.refunded, record.status) == ("refunded", "39.80", "refunded")
    [room] = shop.room_items("room-1")
    assert room["refund_amount"] == Decimal("39.80")


def test_a_refund_after_shipment_never_creates_stock_and_is_bounded_per_line(aws: Any) -> None:
    shop = open_shop("na", {"SKU-A1": "19.90"})  # na refunds without a return
    shop.stock({"SKU-A1": 10})
    _placed(shop, "ord-rfd-1")
    shop.life.apply(step("ord-rfd-1", "shipped", 60))
    too_much = msg.RefundRequest(message_id="rfd-rfd-1", order_id="ord-rfd-1", at=at(120), requested_by=OPS,
                                 currency="USD", amount=Decimal("5000"), reason="goodwill")  # fmt: skip
    refused = shop.life.apply(too_much)
    assert refused.outcome == "refused" and "at most 39.80" in refused.reason
    some = too_much.model_copy(update={"message_id": "rfd-rfd-2", "amount": Decimal("10.00")})
    assert shop.life.apply(some).outcome == "applied"
    assert shop.levels("SKU-A1") == (8, 0)  # shipped: nothing came back, nothing goes back on sale
    late_cancel = shop.life.apply(cancel("ord-rfd-1", OPS, "ops_mistake"))
    assert late_cancel.outcome == "refused" and shop.levels("SKU-A1") == (8, 0)
    record = shop.orders.get("ord-rfd-1")
    assert record is not None and (record.status, record.refunded) == ("placed", "10.00")
    [room] = shop.room_items("room-1")
    assert room["refund_amount"] == Decimal("10.00")
