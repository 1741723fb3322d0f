"""Opening stock and the seeded catalogue (`./livebase stock`, `up`): orders of a simulated day find
stock (issue 30: every order was rejected under `up`), a second booking adds nothing and says so,
and order-to-replenish names what it lacked instead of reporting zeros."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import boto3
import pytest

from livebase.markets.config import load_markets
from livebase.replenishment.catalogue import Catalogue, parse_catalogue
from livebase_local.simulator.records import generate_day, recent_day
from livebase_local.simulator.stock import book_opening, opening_stock, seeded_catalogue
from tests.support.moto_market import Market


@pytest.mark.parametrize("market_id", ["sea", "eu"])
def test_every_sku_a_simulated_day_orders_is_in_the_opening_stock(market_id: str) -> None:
    market = load_markets()[market_id]
    ordered = set()
    for record in generate_day(market, seed=7, scale=0.02, day=recent_day()):
        if record.kind == "order_placed":
            ordered |= {line["sku"] for line in json.loads(record.data)["lines"]}
    assert ordered and ordered <= set(opening_stock(market_id))


def test_the_seeded_catalogue_validates_and_covers_the_opening_stock() -> None:
    catalogue = parse_catalogue(json.dumps(seeded_catalogue("mena")).encode(), "seeded")
    assert {s.sku for s in catalogue.skus} == set(opening_stock("mena"))
    assert all(s.category for s in catalogue.skus)  # mena bans categories: an uncategorised SKU is hidden


@pytest.fixture
def sea(aws: None) -> Iterator[Market]:
    market = Market("sea")
    bucket = "sea-lake-test"
    boto3.client("s3", region_name=market.resources.region).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": market.resources.region}
    )
    market.resources = dataclasses.replace(market.resources, data_lake_bucket=bucket)
    yield market


def test_a_second_booking_adds_nothing_and_says_what_exists(sea: Market) -> None:
    first = book_opening(sea.resources)
    assert first.catalogue == "written" and not first.already_tracked
    assert sum(first.received_now.values()) == sum(opening_stock("sea").values())
    second = book_opening(sea.resources)
    assert second.catalogue == "already there" and not second.received_now and not second.tracked_now
    line = second.line()
    assert "already tracked" in line and "already booked (nothing added)" in line and "already there" in line


def test_order_to_replenish_names_what_it_lacked() -> None:
    from datetime import date

    from flows.order_to_replenish import MarketState, nothing_to_act_on

    empty = MarketState(market="sea", skus=[], catalogue=Catalogue(), history_start=date(2026, 11, 1))
    assert nothing_to_act_on(empty) == [
        "no stock tracked in sea: run ./livebase stock",
        "no orders since 2026-11-01 in sea",
    ]
    stocked = empty.model_copy(update={"stock_tracked": 3, "sales_lines": 10})
    assert nothing_to_act_on(stocked) == []
