"""What session planning reads and writes in a market's own region (stores, bucket, roster).

Only aggregates leave these readers: room minutes are folded into hour-of-week and per-SKU
on-screen totals, sales into (day, SKU, units, revenue); no viewer or order id is returned.
Plans are JSON in the market's data-lake bucket (encrypted with the market's key by the bucket's
default encryption): ``sessions/plans/<market>/<first day>_<last day>.json``. A written plan opens
the presales its slots sell (``livebase.replenishment.presales``), and presales whose PO is late are
announced (``presale.late``) on the market's bus.
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
from livebase.aws import put_all
from livebase.commerce.orders import market_warehouse
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.replenishment.presales import PresaleRefused, announce_late, open_presale
from livebase.sessions.lineup import Product, screen_stats
from livebase.sessions.plan import planned_presales
from livebase.sessions.products import build_products, inbound_units
from livebase.sessions.roster import Host, parse_roster
from livebase.sessions.timing import Engagement, engagement_profile
from livebase.stores.inventory import InventoryStore
from livebase.stores.presales import PresaleBook
from livebase.stores.purchase_orders import PurchaseOrderStore
from livebase.stores.room_history import RoomHistory
from livebase.tax import market_tax_table

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
        commerce_io.read_catalogue(resources), stock, inbound, sales, screen_stats(minutes), engagement,
        tax=market_tax_table(market.id), at=now,  # the room's shown (landed) price, issue 33
    )  # fmt: skip
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


def _presale_book(resources: MarketResources) -> PresaleBook:
    return PresaleBook(InventoryStore(commerce_io.dynamodb(resources), resources.inventory_table))


def open_planned_presales(resources: MarketResources, plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Open (or raise, never lower) the presale of each SKU the plan presells, capped by its PO's
    unpromised units; a refusal is reported with its reason, not raised (the plan stands; ops may
    open it by hand: ``./livebase presale open``)."""
    book = _presale_book(resources)
    purchase_orders = PurchaseOrderStore(commerce_io.dynamodb(resources), resources.purchase_orders_table)
    warehouse = market_warehouse(resources.market)
    results: list[dict[str, Any]] = []
    for sku, units in planned_presales(plan).items():
        state = book.state(sku, warehouse)
        cap = max(units, state.promised if state is not None and state.po_id else 0)
        try:
            opened = open_presale(book, purchase_orders, resources.market, warehouse, sku, cap)
        except PresaleRefused as refused:
            results.append({"sku": sku, "cap": cap, "status": "refused", "reason": str(refused)})
            continue
        results.append({"sku": sku, "cap": opened.cap, "status": "opened", "po_id": opened.po_id,
                        "expected_arrival": opened.expected_arrival, "unpromised": opened.unpromised})  # fmt: skip
    return results


def announce_late_presales(resources: MarketResources, market: Market, today: date) -> int:
    """``presale.late`` for each presale past its PO's expected arrival with buyers waiting (once per
    expected arrival); the number of signals put."""
    events = boto3.client("events", region_name=resources.region)
    late = announce_late(
        _presale_book(resources), market.id, market_warehouse(market.id), resources.event_bus_name,
        lambda entries: put_all(events, entries, source=market), today,
    )  # fmt: skip
    return len(late)
