"""The orders consumer decides (issue 28), on moto: Livebase's prices (refused or repriced, session
prices), a known id with other content refused the same way every time, the purchase limit inside
the reservation, the room's money at Livebase's price, and an announcement that fails undoing its
alert settle so the redelivery announces again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from livebase.aws import TransientError
from livebase.commerce.order_intake import REFUSED, AnnouncementFailed
from livebase.commerce.pricing import SessionPrice
from livebase.markets.residency import ResidencyViolation
from tests.support.shop import OTHER, T0, open_shop, order

RECEIVED = T0 + timedelta(seconds=2)


def test_eu_refuses_a_client_price_that_is_not_livebases(aws: Any) -> None:
    shop = open_shop("eu", {"SKU-A1": "19.90"})
    shop.stock({"SKU-A1": 10})
    answer = shop.intake.accept(order(shop, "ord-cheap-1", ("SKU-A1", 3, "0.01")), RECEIVED)
    assert answer["status"] == "rejected"
    record = shop.orders.get("ord-cheap-1")
    assert record is not None and record.total == "0" and record.reason is not None
    assert "lines[0].unit_price: 0.01 differs from the list price 19.90" in record.reason
    assert shop.levels("SKU-A1") == (10, 0)  # nothing reserved
    [rejected] = shop.bus.of("OrderRejected")
    assert rejected["reason"] == record.reason and Decimal(rejected["total"]) == 0
    assert shop.room_items("room-1") == []  # no money in the room
    again = shop.intake.accept(order(shop, "ord-cheap-1", ("SKU-A1", 3, "0.01")), RECEIVED + timedelta(hours=1))
    assert again["status"] == "rejected"  # the decision sticks


def test_sea_reprices_and_books_livebases_total(aws: Any) -> None:
    shop = open_shop("sea", {"SKU-A1": "19.90", "SKU-B2": "5.00"})
    shop.stock({"SKU-A1": 10, "SKU-B2": 10})
    shop.intake.accept(order(shop, "ord-cheap-2", ("SKU-A1", 3, "0.01"), ("SKU-B2", 1, "5.00")), RECEIVED)
    record = shop.orders.get("ord-cheap-2")
    assert record is not None and (record.status, record.total) == ("placed", "64.70")
    assert {line.sku: line.unit_price for line in record.lines} == {"SKU-A1": "19.90", "SKU-B2": "5.00"}
    assert record.price_notes == ["lines[0].unit_price: 0.01 differs from the list price 19.90; charged 19.90"]
    [placed] = shop.bus.of("OrderPlaced")
    assert Decimal(placed["total"]) == Decimal("64.70")
    [room] = shop.room_items("room-1")
    assert room["accepted"] == {"ord-cheap-2": Decimal("64.70")} and room["refund_amount"] == 0


def test_a_session_promotion_valid_when_received_is_the_price(aws: Any) -> None:
    shop = open_shop("eu", {"SKU-A1": "19.90"})
    shop.stock({"SKU-A1": 10})
    promo = SessionPrice(sku="SKU-A1", session_id="sess-1", price=Decimal("14.90"), kind="promotion", set_by="ops",
                         valid_from=T0, valid_until=T0 + timedelta(minutes=30))  # fmt: skip
    shop.session_prices.put(promo)
    assert shop.intake.accept(order(shop, "ord-promo-1", ("SKU-A1", 1, "14.90")), RECEIVED)["status"] == "placed"
    late = shop.intake.accept(order(shop, "ord-promo-2", ("SKU-A1", 1, "14.90")), T0 + timedelta(hours=1))
    assert late["status"] == "rejected"  # the promotion had ended when Livebase received it
    # a producer's retry of the first order after the promotion ended: the first decision stands
    again = shop.intake.accept(order(shop, "ord-promo-1", ("SKU-A1", 1, "14.90")), T0 + timedelta(hours=2))
    assert again["status"] == "placed" and Decimal(shop.bus.of("OrderPlaced")[-1]["total"]) == Decimal("14.90")


def test_a_known_order_id_with_other_content_is_refused_identically(aws: Any) -> None:
    shop = open_shop("sea", {"SKU-A1": "19.90"})
    shop.stock({"SKU-A1": 10})
    shop.intake.accept(order(shop, "ord-twice-1", ("SKU-A1", 2, "19.90")), RECEIVED)
    other = order(shop, "ord-twice-1", ("SKU-A1", 5, "19.90"), event_id="evt-ord-twice-1-b")
    answers = [shop.intake.accept(other, RECEIVED) for _ in range(2)]
    assert answers[0] == answers[1] and answers[0]["status"] == REFUSED
    assert answers[0]["reason"] == (
        "order_id: ord-twice-1 is known with other content (lines differ); a second order is refused"
    )
    record = shop.orders.get("ord-twice-1")
    assert record is not None and [int(line.quantity) for line in record.lines] == [2]  # the first is kept
    assert shop.levels("SKU-A1") == (8, 2) and len(shop.bus.of("OrderPlaced")) == 1


def test_the_purchase_limit_refuses_and_names_itself(aws: Any) -> None:
    shop = open_shop("sea", {"SKU-A1": "19.90"})  # sea: 5 units per SKU, viewer and session
    shop.stock({"SKU-A1": 100})
    statuses = [
        shop.intake.accept(order(shop, f"ord-limit-{n}", ("SKU-A1", 2, "19.90")), RECEIVED)["status"] for n in range(3)
    ]
    assert statuses == ["placed", "placed", "rejected"]
    record = shop.orders.get("ord-limit-2")
    assert record is not None and record.reason == (
        "SKU-A1: 4 bought in this session + 2 asked exceeds the limit of 5 per viewer (from the market)"
    )
    assert shop.intake.accept(order(shop, "ord-limit-9", ("SKU-A1", 1, "19.90")), RECEIVED)["status"] == "placed"
    other_viewer = order(shop, "ord-limit-10", ("SKU-A1", 5, "19.90"), viewer=OTHER)
    assert shop.intake.accept(other_viewer, RECEIVED)["status"] == "placed"
    assert shop.levels("SKU-A1") == (90, 10)


@pytest.mark.parametrize(
    "failure", [ResidencyViolation("bus entry refused"), TransientError("EventBridge throttled")], ids=["guard", "bus"]
)
def test_a_failed_announcement_is_redelivered_and_announced_then(aws: Any, failure: Exception) -> None:
    shop = open_shop("sea", {"SKU-A1": "19.90"})
    shop.stock({"SKU-A1": 2})
    placed = order(shop, "ord-last-1", ("SKU-A1", 2, "19.90"))
    shop.bus.failing = failure
    with pytest.raises(TransientError) as raised:
        shop.intake.accept(placed, RECEIVED)
    assert isinstance(raised.value, AnnouncementFailed) == isinstance(failure, ResidencyViolation)
    item = shop.inventory.get("SKU-A1", shop.warehouse)
    assert item is not None and item.alert.value == "ok"  # the settle was undone
    shop.bus.failing = None
    assert shop.intake.accept(placed, RECEIVED)["status"] == "placed"  # the redelivery
    assert [e["order_id"] for e in shop.bus.of("OrderPlaced")] == ["ord-last-1"]
    [out] = shop.bus.of("stock.out")
    assert out["sku"] == "SKU-A1" and out["room_id"] == "room-1"
    assert shop.levels("SKU-A1") == (0, 2)  # reserved once
