"""A market's PurchaseOrders table: one item per purchase order (key ``po_id``), through boto3.

boto3 rather than pynamodb: the item is a plain document the flow builds and announces as is
(:class:`PurchaseOrderItem` declares it), the only writes are a conditional put and one flag,
and the codecs of ``livebase.aws`` serve it unchanged. Values come back as declared (ints, not
DynamoDB's Decimals).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypedDict, cast

import boto3

from livebase.aws import conditional_write, from_attributes, retry_config, to_attributes
from livebase.markets.resources import MarketResources

OPEN = "open"  # a purchase order not yet received in full
RECEIVED = "received"  # every line received: closed
SHORT = "short"  # closed by the supplier's last delivery with units still outstanding (never coming)


class PurchaseOrderLine(TypedDict):
    sku: str
    quantity: int
    unit_cost: str  # decimal as text


class ReceiptTotals(TypedDict, total=False):
    """What goods receipts add to a PO (:mod:`livebase.replenishment.receiving`)."""

    received: dict[str, int]  # units received per SKU so far
    receipts: list[str]  # the receipt ids booked, each once
    version: int  # every booking is conditional on the version it read


class PurchaseOrderItem(ReceiptTotals):
    """Every attribute of a purchase order item."""

    po_id: str  # PO-<market>-<supplier>-<yyyymmdd>
    market: str
    supplier: str
    run_date: str  # ISO date
    status: str  # OPEN until received
    announced: bool  # PurchaseOrderCreated published (the outbox flag)
    created_at: str  # ISO timestamp
    flow_run_id: str
    currency: str
    expected_arrival: str  # ISO date
    lines: list[PurchaseOrderLine]
    total_cost: str  # decimal as text


def outstanding(po: PurchaseOrderItem, sku: str) -> int:
    """Units of ``sku`` the PO still has to deliver (0 once it is closed, in full or short)."""
    if po["status"] != OPEN:
        return 0
    ordered = sum(int(line["quantity"]) for line in po["lines"] if line["sku"] == sku)
    return max(0, ordered - int(po.get("received", {}).get(sku, 0)))


RECEIPT_ATTRIBUTES = tuple(ReceiptTotals.__annotations__)  # what receipts add
ATTRIBUTES = tuple(
    name for name in PurchaseOrderItem.__annotations__ if name not in RECEIPT_ATTRIBUTES
)  # from creation


def _decode(raw: dict[str, Any]) -> PurchaseOrderItem:
    item = from_attributes(raw)
    item["announced"] = bool(item.get("announced", False))
    if "received" in item:
        item["received"] = {str(sku): int(units) for sku, units in item["received"].items()}
    if "receipts" in item:
        item["receipts"] = [str(receipt) for receipt in item["receipts"]]
    if "version" in item:
        item["version"] = int(item["version"])
    item["lines"] = [
        PurchaseOrderLine(sku=str(line["sku"]), quantity=int(line["quantity"]), unit_cost=str(line["unit_cost"]))
        for line in item.get("lines", [])
    ]
    return cast(PurchaseOrderItem, item)


class PurchaseOrderStore:
    """Every read and write of one market's PurchaseOrders table (``client``: a DynamoDB client)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table = table_name

    @classmethod
    def for_market(cls, resources: MarketResources) -> PurchaseOrderStore:
        """The store of the market's table, with a client of the market's own region."""
        client = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
        return cls(client, resources.purchase_orders_table)

    def put_new(self, item: PurchaseOrderItem) -> bool:
        """Write the PO unless one with its id exists; False when it did (kept as it was)."""
        return conditional_write(
            self.client.put_item,
            TableName=self.table,
            Item=to_attributes(dict(item)),
            ConditionExpression="attribute_not_exists(po_id)",
        )

    def open_orders(self, market: str) -> list[PurchaseOrderItem]:
        """The market's open (not yet received) purchase orders."""
        return list(
            self._scan(
                FilterExpression="market = :m AND #status = :open",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":m": {"S": market}, ":open": {"S": OPEN}},
            )
        )

    def inbound(self, market: str, sku: str) -> list[PurchaseOrderItem]:
        """The market's open POs with units of ``sku`` still to come, earliest expected arrival first:
        what a presale of the SKU may promise (``livebase.replenishment.presales``)."""
        found = [po for po in self.open_orders(market) if outstanding(po, sku) > 0]
        return sorted(found, key=lambda po: (po["expected_arrival"], po["po_id"]))

    def get(self, po_id: str) -> PurchaseOrderItem | None:
        raw = self.client.get_item(TableName=self.table, Key={"po_id": {"S": po_id}}, ConsistentRead=True)
        return _decode(raw["Item"]) if "Item" in raw else None

    def book_receipt(
        self, po: PurchaseOrderItem, receipt_id: str, received: dict[str, int], closed: bool, short: bool = False
    ) -> bool:
        """Record one receipt on the PO as read (``po``); False when the PO changed since (re-read).

        Conditional on the version read, so two receipts booked at once never overwrite each
        other's totals, and on the receipt id being new, so a receipt counts once. ``short``: the
        supplier's last delivery left units outstanding; the PO closes as :data:`SHORT`.
        """
        seen = po.get("version", 0)
        return conditional_write(
            self.client.update_item,
            TableName=self.table,
            Key={"po_id": {"S": po["po_id"]}},
            UpdateExpression=(
                "SET received = :received, #status = :status, version = :next, "
                "receipts = list_append(if_not_exists(receipts, :none), :receipt)"
            ),
            ConditionExpression=(
                "attribute_exists(po_id) AND (attribute_not_exists(version) OR version = :seen)"
                " AND NOT contains(receipts, :receipt_id)"
            ),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":received": to_attributes({"r": received})["r"],
                ":status": {"S": (SHORT if short else RECEIVED) if closed else OPEN},
                ":next": {"N": str(seen + 1)},
                ":seen": {"N": str(seen)},
                ":none": {"L": []},
                ":receipt": {"L": [{"S": receipt_id}]},
                ":receipt_id": {"S": receipt_id},
            },
        )

    def mark_announced(self, po_id: str) -> None:
        self.client.update_item(
            TableName=self.table,
            Key={"po_id": {"S": po_id}},
            UpdateExpression="SET announced = :yes",
            ExpressionAttributeValues={":yes": {"BOOL": True}},
        )

    def _scan(self, **request: Any) -> Iterator[PurchaseOrderItem]:
        for page in self.client.get_paginator("scan").paginate(TableName=self.table, **request):
            for raw in page.get("Items", []):
                yield _decode(raw)
