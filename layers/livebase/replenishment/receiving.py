"""Goods receipts: what arrived against a purchase order is booked once, raises stock, closes the PO.

A receipt names its PO and the units per SKU that arrived. It is refused, with the reason, when
the PO is unknown, names a SKU the PO does not order, or would receive more than is outstanding
(partial receipts are fine; the supplier sends the rest on another receipt). A booked receipt
adds the units to the PO (conditional on the version read, so concurrent receipts never
overwrite each other) and then to spot stock (idempotent per receipt and SKU), in that order:
a crash between the two is repaired by the redelivery, which finds the receipt on the PO and
books the stock it is missing. The PO closes when every line is received in full.

:class:`Receiving` is the whole step one receipt takes, the same for the ``receiving`` Lambda
(SQS) and ``./livebase receive``: book it, then settle the stock signals of what it touched and
put them on the market bus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from livebase.aws import TransientError
from livebase.commerce.inventory import Outcome, StockItem, StockKey, signal_entries, stock_signals
from livebase.commerce.orders import market_warehouse
from livebase.markets.config import Market
from livebase.stores.inventory import InventoryStore
from livebase.stores.purchase_orders import PurchaseOrderItem, PurchaseOrderStore

MAX_ATTEMPTS = 5


class ReceiptLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]


class GoodsReceipt(BaseModel):
    """What the warehouse counted in for one delivery (the supplier's or the WMS's message)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    receipt_id: Annotated[str, Field(min_length=6, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    po_id: Annotated[str, Field(min_length=6, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]
    lines: Annotated[tuple[ReceiptLine, ...], Field(min_length=1, max_length=200)]


class ReceiptStatus(StrEnum):
    BOOKED = "booked"
    DUPLICATE = "duplicate"  # booked before: nothing added twice
    REFUSED = "refused"


@dataclass(frozen=True)
class ReceiptOutcome:
    status: ReceiptStatus
    reason: str = ""
    po_closed: bool = False
    touched: tuple[StockKey, ...] = field(default=())  # stock items changed (their alerts re-arm)


def refusal(po: PurchaseOrderItem, receipt: GoodsReceipt) -> str | None:
    """Why the receipt cannot be booked on the PO as it stands, or None."""
    ordered = {line["sku"]: line["quantity"] for line in po["lines"]}
    received = po.get("received", {})
    units: dict[str, int] = {}
    for line in receipt.lines:
        units[line.sku] = units.get(line.sku, 0) + line.quantity
    for sku, quantity in units.items():
        if sku not in ordered:
            return f"{sku} is not ordered on {po['po_id']}"
        outstanding = ordered[sku] - received.get(sku, 0)
        if quantity > outstanding:
            return f"over-receipt of {sku}: {quantity} received, {outstanding} outstanding on {po['po_id']}"
    return None


def _book_stock(inventory: InventoryStore, receipt: GoodsReceipt, warehouse: str, market: str) -> tuple[StockKey, ...]:
    touched = []
    for line in receipt.lines:
        receipt_key = f"{receipt.receipt_id}:{line.sku}"
        result = inventory.receive(line.sku, warehouse, line.quantity, receipt_key)
        if result.outcome is Outcome.REJECTED:  # a SKU new to the warehouse: track it, then book
            inventory.create(StockItem(sku=line.sku, warehouse=warehouse, market=market, available=0))
            result = inventory.receive(line.sku, warehouse, line.quantity, receipt_key)
        touched.append(StockKey(line.sku, warehouse))
    return tuple(touched)


def book_receipt(
    receipt: GoodsReceipt, purchase_orders: PurchaseOrderStore, inventory: InventoryStore, warehouse: str
) -> ReceiptOutcome:
    """Book one receipt; safe to call again with the same receipt (see the module docstring)."""
    for _ in range(MAX_ATTEMPTS):
        po = purchase_orders.get(receipt.po_id)
        if po is None:
            return ReceiptOutcome(ReceiptStatus.REFUSED, f"unknown purchase order {receipt.po_id}")
        if receipt.receipt_id in po.get("receipts", []):
            touched = _book_stock(inventory, receipt, warehouse, po["market"])  # whatever a crash left out
            return ReceiptOutcome(ReceiptStatus.DUPLICATE, "receipt booked before", po["status"] != "open", touched)
        reason = refusal(po, receipt)
        if reason is not None:
            return ReceiptOutcome(ReceiptStatus.REFUSED, reason)
        received = dict(po.get("received", {}))
        for line in receipt.lines:
            received[line.sku] = received.get(line.sku, 0) + line.quantity
        closed = all(received.get(line["sku"], 0) >= line["quantity"] for line in po["lines"])
        if purchase_orders.book_receipt(po, receipt.receipt_id, received, closed):
            touched = _book_stock(inventory, receipt, warehouse, po["market"])
            return ReceiptOutcome(ReceiptStatus.BOOKED, po_closed=closed, touched=touched)
    raise TransientError(f"receipt {receipt.receipt_id}: {receipt.po_id} kept changing under this writer")


@dataclass(frozen=True)
class Receiving:
    """Goods receipts of one market: booked against its POs, stock signals on its bus."""

    purchase_orders: PurchaseOrderStore
    inventory: InventoryStore
    market: Market
    bus_name: str
    put_events: Callable[[Sequence[dict[str, Any]]], Any]  # e.g. ``partial(livebase.aws.put_all, events)``

    def receive(self, receipt: GoodsReceipt) -> ReceiptOutcome:
        """Book the receipt, then announce what it changed (``stock.*`` signals, alerts re-armed)."""
        outcome = book_receipt(receipt, self.purchase_orders, self.inventory, market_warehouse(self.market.id))
        if outcome.touched:
            signals = stock_signals(self.inventory, outcome.touched, self.market)
            self.put_events(signal_entries(signals, self.market, self.bus_name))
        return outcome
