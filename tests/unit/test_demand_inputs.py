"""What demand-forecasting reads, on an in-process moto (issue 28): net units from the orders table
(returns received netted out on the order day, cancelled and rejected orders none, a refund without a
return still sold, a presold order on its order day) and the session prices' promotions beside the
plans' sessions as regressors."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from flows import commerce_io
from flows.demand_forecasting import read_daily_units, read_plan_regressors
from flows.session_io import plan_key
from livebase.commerce.order_state import LineState, OrderState, Stage
from livebase.commerce.pricing import SessionPrice
from livebase.live.events import OrderLine, OrderPlaced
from livebase.markets.resources import MarketResources
from livebase.stores.order_table import order_record
from livebase.stores.orders import OrderStore
from livebase.stores.session_prices import SessionPriceStore
from tests.support.tables import string_keyed_table

REGION = "eu-central-1"
DAY = date(2026, 12, 3)
PLACED_AT = datetime(2026, 12, 3, 19, tzinfo=UTC)


@pytest.fixture
def market(aws: Any) -> MarketResources:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="demand-lake", CreateBucketConfiguration={"LocationConstraint": REGION})
    unused = {name: f"unused-{name}" for name in MarketResources.__dataclass_fields__}
    return MarketResources(**(unused | {
        "market": "eu", "region": REGION, "data_lake_bucket": "demand-lake",
        "orders_table": string_keyed_table(dynamodb, "orders", "order_id"),
        "inventory_table": string_keyed_table(dynamodb, "inventory", "sku", "warehouse"),
    }))  # fmt: skip


def store(resources: MarketResources, order_id: str, status: str, line: dict[str, Any], **state: Any) -> None:
    """An order of 3 x SKU-A1 as the orders consumer keeps it: the order as placed, its status, its state."""
    placed = OrderPlaced(
        event_id=f"evt-{order_id}", type="order_placed", market="eu", room_id="room-1", session_id="sess-1",
        ts=PLACED_AT, viewer_id="v_0123456789abcdef", order_id=order_id, currency="EUR",
        lines=(OrderLine(sku="SKU-A1", quantity=3, unit_price=Decimal("19.90")),),
    )  # fmt: skip
    record = order_record(OrderStore.for_market(resources).model, placed, status)
    sold = LineState(sku="SKU-A1", quantity=3, unit_price=Decimal("19.90")).model_copy(update=line)
    lifecycle = OrderState(
        order_id=order_id, market="eu", currency="EUR", viewer_id=placed.viewer_id, room_id="room-1",
        session_id="sess-1", placed_at=PLACED_AT, lines=(sold,),
    ).model_copy(update=state)  # fmt: skip
    record.state = lifecycle.model_dump_json()
    record.save()


def test_demand_is_net_units_on_the_order_day(market: MarketResources) -> None:
    store(market, "o-returned", "placed", {"restocked": 1, "written_off": 1}, stage=Stage.DELIVERED)  # 1 kept
    store(market, "o-kept", "refunded", {"refunded": Decimal("59.70")}, stage=Stage.DELIVERED)  # no return: 3
    store(market, "o-presold", "placed", {})  # presold, its goods not here yet: 3 on its order day
    store(market, "o-cancelled", "cancelled", {"refunded": Decimal("59.70")}, cancelled=True)
    store(market, "o-rejected", "rejected", {}, rejection="lines[0].unit_price: refused")
    start = DAY - timedelta(days=1)
    assert read_daily_units(market, start, DAY + timedelta(days=1)) == {"SKU-A1": [0, 1 + 3 + 3]}


def test_promotions_set_for_sessions_are_regressors_beside_the_plan(market: MarketResources) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    plan = {"sessions": [{"start": "2026-12-03T18:00:00+00:00", "lineup": [{"sku": "SKU-A1", "minutes": 10}]}]}
    s3.put_object(Bucket="demand-lake", Key=plan_key("eu", DAY, DAY), Body=json.dumps(plan).encode())
    prices = SessionPriceStore(boto3.client("dynamodb", region_name=REGION), market.inventory_table)
    for sku, kind, value, hours in (("SKU-A1", "promotion", "15.00", (18, 20)), ("SKU-B2", "promotion", "3.00", (8, 9)),
                                    ("SKU-C3", "promotion", "1.00", (8, 9))):  # fmt: skip
        first = datetime(2026, 12, 3 if sku != "SKU-C3" else 20, hours[0], tzinfo=UTC)  # C3's is long after
        prices.put(SessionPrice.model_validate({
            "sku": sku, "session_id": "eu-sess-1", "price": value, "kind": kind, "set_by": "ops",
            "valid_from": first, "valid_until": first.replace(hour=hours[1]),
        }))  # fmt: skip
    assert {p.sku for p in commerce_io.read_session_prices(market, DAY, DAY)} == {"SKU-A1", "SKU-B2"}
    found = read_plan_regressors(market, DAY - timedelta(days=1), DAY + timedelta(days=1))
    assert found["SKU-A1"][DAY] == {"session": 1.0, "presale": 0.0, "promotion": 1.0}
    assert found["SKU-B2"] == {DAY: {"promotion": 1.0}} and "SKU-C3" not in found
