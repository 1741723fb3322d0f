"""Nightly forecasts in each market's Forecasts table, and order-to-replenish planning on them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from flows.demand_forecasting import write_forecast_items
from livebase.forecasting.result import DEFAULT_LEVEL
from livebase.live.events import OrderLine, OrderPlaced
from livebase.markets.resources import MarketResources
from livebase.replenishment import SkuClass
from livebase.replenishment.catalogue import default_catalogue
from livebase.stores.forecasts import from_item, from_rows
from livebase.stores.order_table import order_model, order_record
from livebase_local.simulator.stock import seed_stock
from tests.support.local_aws import LocalAwsStack

NIGHTLY_MEAN = 10.0  # far from the 3 units a day the SKUs sold: shows which demand was planned on


def _rows(sku: str, run_date: date, days: int = 28, error: str | None = None) -> list[dict[str, Any]]:
    """What ``forecast_chunk`` returns for one SKU: the forecast starts the day after the run."""
    return [
        {"id": sku, "ds": (run_date + timedelta(days=d + 1)).isoformat(), "step": d + 1,
         "mean": None if error else NIGHTLY_MEAN, "lower": None if error else 6.0,
         "upper": None if error else 14.0, "sigma": None if error else 2.0, "model": "AutoETS", "error": error}
        for d in range(days)
    ]  # fmt: skip


def _seed_daily_orders(resources: MarketResources, skus: list[str], days: int) -> None:
    model = order_model(resources.orders_table, resources.region)
    for day in range(days):
        order_id = f"ord-fct-{uuid.uuid4().hex[:12]}"
        order_record(model, OrderPlaced(
            event_id=f"evt-{order_id}", type="order_placed", market="sea", room_id="r", session_id="s",
            ts=datetime.now(UTC) - timedelta(days=day), viewer_id="v_00112233445566778899",
            order_id=order_id, currency="SGD",
            lines=tuple(OrderLine(sku=sku, quantity=3, unit_price=Decimal("5")) for sku in skus),
        )).save()  # fmt: skip


def _get(resources: MarketResources, sku: str) -> dict[str, Any] | None:
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    item: dict[str, Any] | None = dynamodb.get_item(TableName=resources.forecasts_table, Key={"sku": {"S": sku}}).get(
        "Item"
    )
    return item


@pytest.mark.slow
def test_replenishment_plans_on_the_nightly_forecast_stored_in_its_market(
    local_aws: LocalAwsStack, prefect_harness: None
) -> None:
    from flows.order_to_replenish import order_to_replenish

    sea, eu = local_aws.deployments["sea"].resources(), local_aws.deployments["eu"].resources()
    assert sea.region != eu.region
    tag = uuid.uuid4().hex[:6].upper()
    fresh, stale, failed = f"SKU-FC-NEW-{tag}", f"SKU-FC-OLD-{tag}", f"SKU-FC-ERR-{tag}"
    slumped = f"SKU-FC-SLUMP-{tag}"
    today = datetime.now(UTC).date()
    seed_stock(sea, {fresh: 2, stale: 2, failed: 2, slumped: 2})
    _seed_daily_orders(sea, [fresh, stale, failed, slumped], 14)
    for nights_ago in range(8, 0, -1):  # each night's write carries what the nights before forecast
        night = today - timedelta(days=nights_ago)
        assert write_forecast_items(sea, from_rows(_rows(slumped, night), night, DEFAULT_LEVEL)) == 1

    # the nightly flow's writer: a SKU whose forecast failed is not stored; one from 5 nights ago is stale
    tonight = from_rows(
        [*_rows(fresh, today), *_rows(failed, today, error="too short"), *_rows(slumped, today)], today, DEFAULT_LEVEL
    )
    assert write_forecast_items(sea, tonight) == 2
    five_nights_ago = today - timedelta(days=5)
    assert write_forecast_items(sea, from_rows(_rows(stale, five_nights_ago), five_nights_ago, 0.95)) == 1
    stored = _get(sea, fresh)
    assert stored is not None and from_item(stored).run_date == today and _get(sea, failed) is None
    assert all(_get(eu, sku) is None for sku in (fresh, stale, failed))  # eu's table is not touched
    eu_skus = [
        item["sku"]["S"]
        for page in boto3.client("dynamodb", region_name=eu.region)
        .get_paginator("scan")
        .paginate(TableName=eu.forecasts_table)
        for item in page["Items"]
    ]
    assert not [sku for sku in eu_skus if tag in sku]

    [summary] = order_to_replenish(markets=["sea"], history_days=14, horizon_days=7, dry_run=True, as_of=today)

    rows = {row.sku: row for row in summary.decisions}
    assert rows[fresh].demand_source == f"forecast:nightly {today}: AutoETS"
    assert rows[fresh].demand_per_day == NIGHTLY_MEAN and rows[fresh].order_qty > 0
    assert rows[stale].demand_source.startswith("forecast:inline: ") and rows[stale].demand_per_day < 5
    assert "stale or shorter than 7 d" in rows[stale].reasons
    assert rows[failed].demand_source.startswith("forecast:inline: ")
    assert "nightly" not in rows[failed].reasons
    # 3 units a day sold against 10 forecast by the last 7 nights: demand scaled down (to the 0.5 floor)
    slump_item = _get(sea, slumped)
    assert slump_item is not None and from_item(slump_item).past == (NIGHTLY_MEAN,) * 8
    assert rows[fresh].demand_per_day == NIGHTLY_MEAN  # tonight's first item: no past, no scaling
    assert "sales running at 30% of forecast over 7 d" in rows[slumped].reasons
    assert rows[slumped].demand_per_day == NIGHTLY_MEAN * 0.5


def test_recent_sales_are_set_against_what_was_forecast_for_the_same_days() -> None:
    from flows.order_to_replenish import recent_sales_and_forecast
    from livebase.stores.forecasts import StoredForecast

    as_of = date(2026, 11, 25)
    stored = StoredForecast(
        sku="S", run_date=as_of, start=as_of + timedelta(days=1), model="m", level=0.95, mean=(9.0,) * 3,
        lower=(1.0,) * 3, upper=(20.0,) * 3, sigma=(4.0,) * 3, past=(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0),
    )  # fmt: skip
    # past: the 18th .. the 25th; history: the 16th .. the 25th, today (5) partial and left out
    history = [0, 0, 11, 12, 13, 14, 15, 16, 17, 5]
    assert recent_sales_and_forecast(history, stored, as_of, days=7) == (
        (11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0), (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0)
    )  # fmt: skip
    assert recent_sales_and_forecast(history, stored, as_of, days=9) == ((), ())  # the 16th was not forecast
    assert recent_sales_and_forecast(history[-5:], stored, as_of, days=7) == ((), ())  # too little history
    assert recent_sales_and_forecast(history, None, as_of) == ((), ())


SEA_OFFLINE = MarketResources.from_environment({"MARKET": "sea", "AWS_REGION": "ap-southeast-1"})  # no names needed


def _read_fails(resources: MarketResources, skus: list[str]) -> Any:
    raise RuntimeError("AccessDeniedException on the Forecasts table")


def test_a_failed_read_of_stored_forecasts_falls_back_to_forecasting_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.order_to_replenish as flow_module

    monkeypatch.setattr(flow_module, "read_stored_forecasts", _read_fails)
    skus = [
        flow_module.SkuSeries(sku=f"SKU-RF-{i}", daily_units=[3, 4, 2, 3, 5, 3, 4] * 4, on_hand=1, on_order=0,
                              backorders=0, sku_class=SkuClass.B)
        for i in range(2)
    ]  # fmt: skip
    decisions = flow_module.decide_chunk.fn(SEA_OFFLINE, skus, default_catalogue("test"), 7, date(2026, 11, 25))
    assert [d.sku for d in decisions] == ["SKU-RF-0", "SKU-RF-1"]
    for decision in decisions:
        assert decision.demand.source.startswith("forecast:inline: ")
        assert any("stored forecasts unreadable (RuntimeError: AccessDeniedException" in r for r in decision.reasons)
