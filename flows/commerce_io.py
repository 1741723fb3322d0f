"""A market's commerce reads (sales, stock, open purchase orders, catalogue), in its own region.

Shared by ``order-to-replenish``, ``demand-forecasting`` (sales, session prices) and session
planning (``flows/session_io.py``: stock, inbound, sales and catalogue of the line-up), and
``stock-reconciliation`` (the inventory table's books and the orders' states).

Every reader but the reconciliation's returns aggregates or master data only: order lines are
reduced to (day, SKU, units, revenue) before they leave :func:`read_sales`; no order id or viewer
id is returned. The reconciliation reads order states (ids, lines, stages; it never reports a
viewer). Table access itself is in ``livebase.stores`` (orders, purchase orders, stock books) and
``livebase.stores.inventory.InventoryStore``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.aws import retry_config
from livebase.commerce.inventory import StockItem
from livebase.commerce.order_state import OrderState
from livebase.commerce.orders import market_warehouse
from livebase.commerce.pricing import SessionPrice
from livebase.markets.resources import MarketResources
from livebase.replenishment.catalogue import CATALOGUE_KEY, Catalogue, default_catalogue, parse_catalogue
from livebase.replenishment.history import SaleLine, sale_lines
from livebase.stores import stock_books
from livebase.stores.inventory import InventoryStore
from livebase.stores.order_states import state_of
from livebase.stores.orders import OrderStore
from livebase.stores.purchase_orders import PurchaseOrderItem, PurchaseOrderStore
from livebase.stores.session_prices import SessionPriceStore
from livebase.stores.stock_books import StockBooks


def dynamodb(resources: MarketResources) -> Any:
    return boto3.client("dynamodb", region_name=resources.region, config=retry_config())


def read_sales(resources: MarketResources, start: date, end: date) -> list[SaleLine]:
    """Net demand of the orders placed in [start, end): only the attributes demand needs are fetched."""
    return sale_lines(OrderStore.for_market(resources).placed_between(start, end))


def read_session_prices(resources: MarketResources, first: date, last: date) -> list[SessionPrice]:
    """The live prices and promotions set for the market's sessions (by ops or the plan) in force on [first, last]."""
    store = SessionPriceStore(dynamodb(resources), resources.inventory_table)
    return store.in_force_between(_midnight(first), _midnight(last + timedelta(days=1)))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def read_stock_books(resources: MarketResources) -> StockBooks:
    """The market warehouse's stock items and the receipt, reservation and restock records behind them."""
    warehouse = market_warehouse(resources.market)
    return stock_books.read_stock_books(dynamodb(resources), resources.inventory_table, warehouse)


def read_order_states(resources: MarketResources) -> list[OrderState]:
    """Every stored order's lifecycle state (an order stored before states were kept: read from its status)."""
    return [state_of(record) for record in OrderStore.for_market(resources).all_orders()]


def read_stock(resources: MarketResources) -> dict[str, StockItem]:
    """Stock items of the market's warehouse."""
    return InventoryStore(dynamodb(resources), resources.inventory_table).stock_of(market_warehouse(resources.market))


def read_open_purchase_orders(resources: MarketResources) -> list[PurchaseOrderItem]:
    return PurchaseOrderStore.for_market(resources).open_orders(resources.market)


def read_catalogue(resources: MarketResources) -> Catalogue:
    """The market's catalogue from its bucket; the stated defaults when there is none.

    An object that exists but does not validate fails the run (CatalogueError): buying on
    made-up terms would be worse than not buying this hour.
    """
    s3 = boto3.client("s3", region_name=resources.region)
    location = f"s3://{resources.data_lake_bucket}/{CATALOGUE_KEY}"
    try:
        body = s3.get_object(Bucket=resources.data_lake_bucket, Key=CATALOGUE_KEY)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return default_catalogue(f"no {location}")
        raise
    return parse_catalogue(body, location)
