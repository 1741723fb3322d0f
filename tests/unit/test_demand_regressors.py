"""Promotions and live prices as demand regressors (livebase.sessions.regressors), beside the plan's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from livebase.commerce.pricing import SessionPrice
from livebase.sessions.regressors import COLUMNS, merged, plan_regressors, price_regressors, regressor_rows


def utc(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def price(sku: str, value: str, kind: str, start: datetime, end: datetime, set_by: str = "ops") -> SessionPrice:
    return SessionPrice.model_validate({
        "sku": sku, "session_id": "eu-2026-12-03-1", "price": value, "kind": kind, "set_by": set_by,
        "valid_from": start, "valid_until": end,
    })  # fmt: skip


def test_a_promotion_or_a_live_price_below_list_marks_each_utc_day_it_is_in_force() -> None:
    prices = [
        price("SKU-A1", "15.00", "promotion", utc(3, 22), utc(4, 1)),
        price("SKU-B2", "4.00", "live_price", utc(3, 18), utc(4, 0)),
        price("SKU-C3", "9.00", "live_price", utc(3, 18), utc(3, 20)),
    ]  # fmt: skip
    found = price_regressors(prices, {"SKU-B2": Decimal("5.00"), "SKU-C3": Decimal("8.00")})
    assert found == {
        "SKU-A1": {date(2026, 12, 3): {"promotion": 1.0}, date(2026, 12, 4): {"promotion": 1.0}},  # past midnight
        "SKU-B2": {date(2026, 12, 3): {"promotion": 1.0}},  # ends at midnight: not the next day
    }  # SKU-C3's live price is above its list price: no promotion


def test_plan_and_prices_merge_into_one_row_per_sku_and_day_with_every_column() -> None:
    plan = plan_regressors([{"sessions": [{
        "start": "2026-12-03T18:00:00+00:00", "lineup": [{"sku": "SKU-A1", "kind": "presale", "minutes": 10}],
    }]}])  # fmt: skip
    promoted = price_regressors([price("SKU-A1", "15.00", "promotion", utc(3, 18), utc(3, 20))])
    both = merged(plan, promoted)
    assert both["SKU-A1"][date(2026, 12, 3)] == {"session": 1.0, "presale": 1.0, "promotion": 1.0}
    rows = regressor_rows(both, ["SKU-A1"], date(2026, 12, 2), 3)
    assert [tuple(row[c] for c in COLUMNS) for row in rows] == [(0, 0, 0), (1, 1, 1), (0, 0, 0)]
    assert COLUMNS == ("session", "presale", "promotion")
