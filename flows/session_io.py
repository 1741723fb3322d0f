"""What session planning reads and writes in a market's own region (stores, bucket, roster).

Only aggregates leave these readers: room minutes are folded into hour-of-week and per-SKU
on-screen totals, sales into (day, SKU, units, revenue); no viewer or order id is returned.
Plans are JSON in the market's data-lake bucket (encrypted with the market's key by the bucket's
default encryption): ``sessions/plans/<market>/<first day>_<last day>.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3

from flows import commerce_io
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.sessions.lineup import Product, screen_stats
from livebase.sessions.products import build_products, inbound_units
from livebase.sessions.roster import Host, parse_roster
from livebase.sessions.timing import Engagement, engagement_profile
from livebase.stores.room_history import RoomHistory

ROSTER = Path(__file__).with_name("session_hosts.yaml")
PLAN_PREFIX = "sessions/plans"


@dataclass(frozen=True)
class PlanningInputs:
    engagement: Engagement
    products: list[Product]
    unpriced: int  # SKUs left out: no list price and no sales to price them


def read_roster(path: Path = ROSTER) -> list[Host]:
    return parse_roster(path.read_text(encoding="utf-8"), str(path))


def read_planning_inputs(
    market: Market, resources: MarketResources, history_days: int, now: datetime
) -> PlanningInputs:
    """Room history, stock, open POs, catalogue and sales of the last ``history_days`` days."""
    table = boto3.resource("dynamodb", region_name=resources.region).Table(resources.room_metrics_table)
    minutes = RoomHistory(table).minutes(now - timedelta(days=history_days), now)
    engagement = engagement_profile(minutes, ZoneInfo(market.time_zone))
    stock = {sku: item.sellable for sku, item in commerce_io.read_stock(resources).items()}
    inbound = inbound_units(commerce_io.read_open_purchase_orders(resources))
    today = now.astimezone(UTC).date()
    sales = commerce_io.read_sales(resources, today - timedelta(days=history_days), today + timedelta(days=1))
    products, unpriced = build_products(
        commerce_io.read_catalogue(resources), stock, inbound, sales, screen_stats(minutes), engagement
    )
    return PlanningInputs(engagement, products, len(unpriced))


def plan_key(market_id: str, first: date, last: date) -> str:
    return f"{PLAN_PREFIX}/{market_id}/{first.isoformat()}_{last.isoformat()}.json"


def write_plan(resources: MarketResources, plan: dict[str, Any]) -> str:
    key = plan_key(resources.market, date.fromisoformat(plan["first_day"]), date.fromisoformat(plan["last_day"]))
    s3 = boto3.client("s3", region_name=resources.region)
    body = json.dumps(plan, sort_keys=True).encode()
    s3.put_object(Bucket=resources.data_lake_bucket, Key=key, Body=body, ContentType="application/json")
    return f"s3://{resources.data_lake_bucket}/{key}"


def read_plans(resources: MarketResources, first: date, last: date) -> list[dict[str, Any]]:
    """Every stored plan of the market whose days overlap [first, last] (from the key's dates)."""
    s3 = boto3.client("s3", region_name=resources.region)
    prefix = f"{PLAN_PREFIX}/{resources.market}/"
    plans = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=resources.data_lake_bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            name = entry["Key"].removeprefix(prefix).removesuffix(".json")
            try:
                low, high = (date.fromisoformat(part) for part in name.split("_"))
            except ValueError:
                continue  # not a plan object
            if low <= last and high >= first:
                body = s3.get_object(Bucket=resources.data_lake_bucket, Key=entry["Key"])["Body"].read()
                plans.append(json.loads(body))
    return plans
