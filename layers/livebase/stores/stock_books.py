"""A market's inventory table read whole for the nightly stock reconciliation (``stock-reconciliation``).

One consistent-read scan returns the stock items of a warehouse and the bookkeeping records behind
them (``livebase.commerce.inventory.model``): goods receipts (``RCV#``, with what a receipt still
pools for presold buyers: ``livebase.stores.presales``), reservations (``RES#``: what each order still
holds, ``reserved`` ones only) and received returns' restocks (``RTN#<order_id>#<message>``).
Purchase-limit counters, session prices and other records are skipped. What comes back is what
:func:`livebase.commerce.reconciliation.reconcile` takes; no record names a buyer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from livebase.aws import from_attributes
from livebase.commerce.inventory.model import (
    RECEIPT_PREFIX,
    RECORD_SORT_KEY,
    RESERVATION_PREFIX,
    RESTOCK_PREFIX,
    ReservationStatus,
    StockItem,
)
from livebase.commerce.reconciliation import Holding, Receipt

HOLDING = ReservationStatus.RESERVED.value  # the one status in which a reservation still holds its units


@dataclass
class StockBooks:
    """One warehouse's stock items by SKU and the records behind them."""

    warehouse: str
    stock: dict[str, StockItem] = field(default_factory=dict)
    receipts: list[Receipt] = field(default_factory=list)
    holdings: list[Holding] = field(default_factory=list)
    records: int = 0  # bookkeeping records read (any warehouse, any kind)


def read_stock_books(client: Any, table: str, warehouse: str) -> StockBooks:
    """Scan the inventory table once (consistent reads) and sort what it holds for ``warehouse``."""
    books = StockBooks(warehouse)
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page.get("Items", []):
            add_item(books, item)
    return books


def add_item(books: StockBooks, item: dict[str, Any]) -> None:
    """File one table item (as DynamoDB returns it) into ``books``: a stock item of its warehouse, or a record."""
    sort = item.get("warehouse", {}).get("S", "")
    if sort != RECORD_SORT_KEY:
        if sort == books.warehouse and "available" in item:
            stocked = StockItem.from_item(item)
            books.stock[stocked.sku] = stocked
        return
    books.records += 1
    raw = from_attributes(item)
    key = str(raw["sku"])
    if key.startswith(RECEIPT_PREFIX) and raw.get("warehouse_ref") == books.warehouse:
        receipt_id, pooled = key.removeprefix(RECEIPT_PREFIX), int(raw.get("pooled", 0))
        books.receipts.append(Receipt(receipt_id, str(raw["sku_ref"]), int(raw["quantity"]), pooled))
    elif key.startswith(RESERVATION_PREFIX) and raw.get("status") == HOLDING:
        order_id = key.removeprefix(RESERVATION_PREFIX)
        for line in raw.get("lines", []):
            if line.get("warehouse") == books.warehouse:
                spot, presale = int(line.get("spot", 0)), int(line.get("presale", 0))
                books.holdings.append(Holding(order_id, str(line["sku"]), spot=spot, presale=presale))
    elif key.startswith(RESTOCK_PREFIX):
        order_id = str(raw.get("order_id", ""))
        for line in raw.get("lines", []):
            if line.get("warehouse") == books.warehouse and order_id:
                books.holdings.append(Holding(order_id, str(line["sku"]), restocked=int(line["quantity"])))
