"""The orders consumer's tax decision (issue 33), on moto: the order record keeps net, tax, duty, landed and
the rule, the OrderPlaced signal and the consumer's result carry the landed total; an order to a country
the market's table refuses is rejected with the table's reason, nothing reserved."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from livebase.tax import market_tax_table
from tests.support.shop import T0, open_shop, order

RECEIVED = T0 + timedelta(seconds=2)


def test_sea_order_is_taxed_by_singapores_low_value_goods_rule(aws: Any) -> None:
    shop = open_shop("sea", {"SKU-A1": "19.90"})
    shop.intake.prices.tax = market_tax_table("sea")  # as the orders function builds its prices
    shop.stock({"SKU-A1": 10})
    result = shop.intake.accept(order(shop, "ord-tax-1", ("SKU-A1", 2, "19.90")), RECEIVED)
    # sg-lvg-2024: GST 9 % of 39.80 = 3.58 (rounded half-up), no duty.
    assert result == {"order_id": "ord-tax-1", "status": "placed", "lifecycle": "placed",
                      "landed_total": "43.38", "tax_rule": "sg-lvg-2024"}  # fmt: skip
    record = shop.orders.get("ord-tax-1")
    assert record is not None
    assert (record.total, record.net_total, record.tax_total, record.duty_total, record.landed_total) == (
        "39.80", "39.80", "3.58", "0.00", "43.38"
    )  # fmt: skip
    assert (record.tax_rule, record.destination) == ("sg-lvg-2024", "SG")
    [placed] = shop.bus.of("OrderPlaced")
    assert (Decimal(placed["total"]), Decimal(placed["landed_total"]), placed["tax_rule"]) == (
        Decimal("39.80"), Decimal("43.38"), "sg-lvg-2024"
    )  # fmt: skip


def test_an_order_to_a_country_the_table_refuses_is_rejected_with_the_reason(aws: Any) -> None:
    shop = open_shop("sea", {"SKU-A1": "19.90"})
    shop.intake.prices.tax = market_tax_table("sea")
    shop.stock({"SKU-A1": 10})
    result = shop.intake.accept(order(shop, "ord-tax-th", ("SKU-A1", 1, "19.90"), destination="TH"), RECEIVED)
    assert result["status"] == "rejected" and "landed_total" not in result
    record = shop.orders.get("ord-tax-th")
    assert record is not None and record.landed_total is None
    assert "destination: TH:" in (record.reason or "") and "rule th-not-modelled" in (record.reason or "")
    assert shop.levels("SKU-A1") == (10, 0)  # nothing reserved
    [rejected] = shop.bus.of("OrderRejected")
    assert rejected["reason"] == record.reason and "landed_total" not in rejected


def test_without_a_table_nothing_changes(aws: Any) -> None:
    shop = open_shop("sea", {"SKU-A1": "19.90"})
    shop.stock({"SKU-A1": 10})
    result = shop.intake.accept(order(shop, "ord-notax-1", ("SKU-A1", 1, "19.90")), RECEIVED)
    assert "landed_total" not in result
    [placed] = shop.bus.of("OrderPlaced")
    assert "landed_total" not in placed and "tax_rule" not in placed
