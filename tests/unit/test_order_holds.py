"""Risky orders wait for review (issue 32): reserved but not served, announced as held, then released or cancelled."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import boto3

from livebase.commerce.order_intake import HELD_FOR_REVIEW
from livebase.moderation.store import ModerationStore
from livebase.risk import OrderRisk
from livebase.risk.holds import HeldOrders
from livebase.risk.review import decide_held_order
from tests.support.shop import T0, Shop, open_shop, order
from tests.support.tables import REGION

RECEIVED = T0 + timedelta(seconds=2)


def risky_shop() -> tuple[Shop, HeldOrders, ModerationStore]:
    shop = open_shop("sea", {"SKU-A1": "19.90"})
    shop.stock({"SKU-A1": 100})
    table = boto3.resource("dynamodb", region_name=REGION).Table(shop.room_table)
    holds = HeldOrders(table, "sea")
    shop.intake = dataclasses.replace(shop.intake, risk=OrderRisk(), holds=holds)
    return shop, holds, ModerationStore(table, "sea")


def fast_orders(shop: Shop, viewer_digit: str, count: int) -> list[dict[str, str]]:
    viewer = "v_" + viewer_digit * 16
    return [
        shop.intake.accept(order(shop, f"ord-fast-{viewer_digit}{i}", ("SKU-A1", 1, "19.90"), viewer=viewer),
                           RECEIVED + timedelta(seconds=20 * i))
        for i in range(count)
    ]  # fmt: skip


def test_a_third_order_in_a_minute_is_held_with_its_units_reserved(aws: Any) -> None:
    shop, holds, _ = risky_shop()
    answers = fast_orders(shop, "a", 3)
    assert [a["status"] for a in answers] == ["placed", "placed", HELD_FOR_REVIEW]
    assert answers[2]["risk"] == "risk velocity_2"
    assert shop.orders.get("ord-fast-a2") is None  # not served
    assert shop.levels("SKU-A1")[0] == 97  # the held order's unit waits reserved
    [held_signal] = shop.bus.of("OrderHeld")
    assert held_signal["order_id"] == "ord-fast-a2" and "viewer_id" not in held_signal
    [held] = holds.pending()
    assert held.order.order_id == "ord-fast-a2" and held.signals == ("velocity_2",)


def test_ops_release_serves_it_and_cancel_gives_the_units_back(aws: Any) -> None:
    shop, holds, log = risky_shop()
    fast_orders(shop, "b", 4)
    first, second = holds.pending()
    released = decide_held_order(shop.intake, log, first, release=True, actor="ops-1")
    assert released["outcome"]["status"] == "placed" and shop.orders.get(first.order.order_id) is not None
    cancelled = decide_held_order(shop.intake, log, second, release=False, actor="ops-1", note="ring")
    assert shop.orders.get(second.order.order_id) is None
    assert shop.levels("SKU-A1")[0] == 97  # three served, the cancelled one's unit back on the shelf
    assert holds.pending() == []
    assert [e["outcome"] for e in shop.bus.of("OrderReviewed")] == ["released", "cancelled"]
    assert "fraud prevention" in cancelled["statement"] and first.order.viewer_id not in str(released)
