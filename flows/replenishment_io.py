"""What order-to-replenish reads from one market, in that market's own region.

Each reader returns aggregates or master data only: order lines are reduced to (day, SKU,
units, revenue) before they leave :func:`read_sales`; no order id or viewer id is returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.aws import from_attributes, retry_config
from livebase.commerce.inventory import StockItem
from livebase.commerce.inventory.model import RECEIPT_PREFIX, RESERVATION_PREFIX
from livebase.commerce.orders import market_warehouse
from livebase.markets.resources import MarketResources
from livebase.replenishment.catalogue import CATALOGUE_KEY, Catalogue, default_catalogue, parse_catalogue
from livebase.replenishment.history import SaleLine

PLACED = "placed"
OPEN = "open"  # a purchase order not yet received


def dynamodb(resources: MarketResources) -> Any:
    return boto3.client("dynamodb", region_name=resources.region, config=retry_config())


def scan(client: Any, **request: Any) -> Iterator[dict[str, Any]]:
    """Every item of a scan, page by page, as plain Python values."""
    for page in client.get_paginator("scan").paginate(**request):
        for item in page.get("Items", []):
            yield from_attributes(item)


def order_day(placed_at: str) -> date:
    """Day of pynamodb's UTC timestamp text (``2026-11-25T10:00:00.000000+0000``)."""
    return datetime.strptime(placed_at, "%Y-%m-%dT%H:%M:%S.%f%z").date()


def read_sales(resources: MarketResources, start: date, end: date) -> list[SaleLine]:
    """Lines of placed orders in [start, end): only the attributes demand needs are fetched."""
    client = dynamodb(resources)
    lines: list[SaleLine] = []
    for order in scan(
        client,
        TableName=resources.orders_table,
        ProjectionExpression="placed_at, #status, #lines",
        FilterExpression="#status = :placed",
        ExpressionAttributeNames={"#status": "status", "#lines": "lines"},
        ExpressionAttributeValues={":placed": {"S": PLACED}},
    ):
        day = order_day(str(order["placed_at"]))
        if not start <= day < end:
            continue
        for line in order.get("lines", []):
            units = int(line["quantity"])
            lines.append(SaleLine(day, str(line["sku"]), units, Decimal(str(line["unit_price"])) * units))
    return lines


def read_stock(resources: MarketResources) -> dict[str, StockItem]:
    """Stock items of the market's warehouse (reservation and receipt records skipped)."""
    warehouse = market_warehouse(resources.market)
    client = dynamodb(resources)
    stock: dict[str, StockItem] = {}
    for page in client.get_paginator("scan").paginate(
        TableName=resources.inventory_table,
        FilterExpression="warehouse = :w",
        ExpressionAttributeValues={":w": {"S": warehouse}},
    ):
        for item in page.get("Items", []):
            sku = item["sku"]["S"]
            if sku.startswith((RESERVATION_PREFIX, RECEIPT_PREFIX)):
                continue
            stock[sku] = StockItem.from_item(item)
    return stock


def read_open_purchase_orders(resources: MarketResources) -> list[dict[str, Any]]:
    client = dynamodb(resources)
    return list(
        scan(
            client,
            TableName=resources.purchase_orders_table,
            FilterExpression="market = :m AND #status = :open",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":m": {"S": resources.market}, ":open": {"S": OPEN}},
        )
    )


def on_order(purchase_orders: list[dict[str, Any]], as_of: date) -> dict[str, int]:
    """Units per SKU on open purchase orders still due (an overdue one is assumed lost or received)."""
    units: dict[str, int] = {}
    for po in purchase_orders:
        if date.fromisoformat(str(po["expected_arrival"])) < as_of:
            continue
        for line in po.get("lines", []):
            units[str(line["sku"])] = units.get(str(line["sku"]), 0) + int(line["quantity"])
    return units


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
