"""Order-to-replenish: read each market's orders, summarise demand per SKU, publish for ops.

Issue 2 skeleton: one coarse task per market reads the orders table in that market's region
(personal data never leaves it); only the per-SKU aggregate comes back to the flow.
"""

from __future__ import annotations

from decimal import Decimal

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from pydantic import BaseModel

from flows.markets import SELLING_MARKET_IDS, MarketSelection, market_resources
from livebase.orders import order_model, revenue, units_per_sku


class MarketDemand(BaseModel):
    market: str
    orders: int
    revenue: Decimal
    currency: str
    units_per_sku: dict[str, int]


@task(name="summarise-market-orders", retries=2, retry_delay_seconds=5)
def summarise_market_orders(market_id: str) -> MarketDemand:
    resources = market_resources(market_id)
    model = order_model(resources.orders_table, resources.region)
    orders = list(model.scan())
    currency = orders[0].currency if orders else ""
    return MarketDemand(
        market=market_id,
        orders=len(orders),
        revenue=revenue(orders),
        currency=currency,
        units_per_sku=dict(units_per_sku(orders).most_common()),
    )


@flow(name="order-to-replenish", log_prints=True)
def order_to_replenish(markets: MarketSelection | None = None) -> list[MarketDemand]:
    """Summarise units sold per SKU for each selected market (default: every selling market)."""
    selected = markets or list(SELLING_MARKET_IDS)
    futures = summarise_market_orders.map(selected)
    summaries = [future.result() for future in futures]
    rows = [
        {"market": s.market, "sku": sku, "units": units, "market_orders": s.orders}
        for s in summaries
        for sku, units in s.units_per_sku.items()
    ]
    create_table_artifact(
        key="order-to-replenish-units",
        table=rows or [{"market": m, "sku": "-", "units": 0, "market_orders": 0} for m in selected],
        description="Units sold per SKU and market (from each market's orders table, in its own region)",
    )
    for s in summaries:
        print(f"{s.market}: {s.orders} orders, {s.revenue} {s.currency}, {len(s.units_per_sku)} SKUs")
    return summaries
