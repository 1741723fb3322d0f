"""Opening stock for a market's warehouse: what the demo and tests start from (idempotent)."""

from __future__ import annotations

from collections.abc import Mapping

import boto3

from livebase.aws import retry_config
from livebase.commerce.inventory import StockItem
from livebase.commerce.orders import market_warehouse
from livebase.markets.resources import MarketResources
from livebase.stores.inventory import InventoryStore


def stock_store(resources: MarketResources) -> InventoryStore:
    client = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
    return InventoryStore(client, resources.inventory_table)


def seed_stock(resources: MarketResources, units_by_sku: Mapping[str, int], receipt_prefix: str = "opening") -> None:
    """Track each SKU in the market's warehouse and book one opening receipt (once per prefix)."""
    store = stock_store(resources)
    warehouse = market_warehouse(resources.market)
    for sku, units in units_by_sku.items():
        store.create(StockItem(sku=sku, warehouse=warehouse, market=resources.market, available=0))
        if units > 0:
            store.receive(sku, warehouse, units, receipt_id=f"{receipt_prefix}-{resources.market}-{sku}")
