"""Goods receipts: what arrived against a purchase order is booked once, raises stock, closes the PO.

A receipt names its PO and the units per SKU that arrived. It is refused, with the reason, when
the PO is unknown, names a SKU the PO does not order, or would receive more than is outstanding
(partial receipts are fine; the supplier sends the rest on another receipt). A booked receipt
adds the units to the PO (conditional on the version read, so concurrent receipts never
overwrite each other) and then to spot stock (idempotent per receipt and SKU), in that order:
a crash between the two is repaired by the redelivery, which finds the receipt on the PO and
books the stock it is missing. The PO closes when every line is received in full, or short when
the receipt is the supplier's last (``final``) with units still outstanding.

Presold units first (``livebase.replenishment.presales``): a SKU whose presold orders wait for
goods serves them, oldest first, before a unit becomes available; those orders then hold ordinary
reservations and are due for the WMS hand-off. After the booking, the SKUs' presales are kept
within what the PO still has to deliver; a PO closed short cancels the presold orders its goods
could not serve (``presale.short``).

:class:`Receiving` is the whole step one receipt takes, the same for the ``receiving`` Lambda
(SQS) and ``./livebase receive``: book it, then settle the stock signals of what it touched and
put them on the market bus with any ``presale.short``; the cancels those name go to ``cancel``
(the lifecycle's ``CancelRequest``s, by Livebase) when one is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from livebase.aws import TransientError
from livebase.commerce.inventory import StockItem, StockKey, signal_entries, stock_signals
from livebase.commerce.messages import CancelRequest
from livebase.commerce.orders import market_warehouse
from livebase.markets.config import Market
from livebase.replenishment.presales import cancel_requests, notice_entries, remember_short, settle_after_receipt
from livebase.signals import bus_entry
from livebase.signals.presales import PresaleShort
from livebase.signals.supply import GoodsReceived
from livebase.stores.inventory import InventoryStore
from livebase.stores.presales import PresaleBook
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
    final: bool = False  # the supplier's last delivery on the PO: what is still outstanding will not come


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
    served: tuple[tuple[str, int], ...] = ()  # (order id, units): presold orders this receipt's units went to
    shorts: tuple[PresaleShort, ...] = ()  # the PO closed short: the presold orders cancelled, to announce


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


def receipt_key(receipt_id: str, sku: str) -> str:
    """The inventory's record of one receipt line (``RCV#<key>``): once per receipt and SKU."""
    return f"{receipt_id}:{sku}"


@dataclass(frozen=True)
class _Stock:
    touched: tuple[StockKey, ...]
    served: tuple[tuple[str, int], ...]


def _book_stock(inventory: InventoryStore, receipt: GoodsReceipt, warehouse: str, market: str) -> _Stock:
    """Each line into stock, presold orders first (``PresaleBook.receive``); once per receipt and SKU."""
    book = PresaleBook(inventory)
    touched: list[StockKey] = []
    served: list[tuple[str, int]] = []
    for line in receipt.lines:
        key = receipt_key(receipt.receipt_id, line.sku)
        result = book.receive(line.sku, warehouse, line.quantity, key)
        if result is None:  # a SKU new to the warehouse: track it, then book
            inventory.create(StockItem(sku=line.sku, warehouse=warehouse, market=market, available=0))
            result = book.receive(line.sku, warehouse, line.quantity, key)
        touched.append(StockKey(line.sku, warehouse))
        served += result.served if result else ()
    return _Stock(tuple(touched), tuple(served))


def _settle(
    inventory: InventoryStore, purchase_orders: PurchaseOrderStore, po_id: str, warehouse: str
) -> tuple[PresaleShort, ...]:
    """The PO's presales after the booking (kept within what is still to come; short: cancelled)."""
    po = purchase_orders.get(po_id)
    if po is None:
        return ()
    receipts = po.get("receipts", [])
    shorts = settle_after_receipt(
        PresaleBook(inventory), po, warehouse, lambda sku: [receipt_key(r, sku) for r in receipts]
    )
    return tuple(shorts)


def book_receipt(
    receipt: GoodsReceipt, purchase_orders: PurchaseOrderStore, inventory: InventoryStore, warehouse: str
) -> ReceiptOutcome:
    """Book one receipt; safe to call again with the same receipt (see the module docstring)."""
    for _ in range(MAX_ATTEMPTS):
        po = purchase_orders.get(receipt.po_id)
        if po is None:
            return ReceiptOutcome(ReceiptStatus.REFUSED, f"unknown purchase order {receipt.po_id}")
        if receipt.receipt_id in po.get("receipts", []):
            stock = _book_stock(inventory, receipt, warehouse, po["market"])  # whatever a crash left out
            shorts = _settle(inventory, purchase_orders, po["po_id"], warehouse)
            return ReceiptOutcome(ReceiptStatus.DUPLICATE, "receipt booked before", po["status"] != "open",
                                  stock.touched, stock.served, shorts)  # fmt: skip
        reason = refusal(po, receipt)
        if reason is not None:
            return ReceiptOutcome(ReceiptStatus.REFUSED, reason)
        received = dict(po.get("received", {}))
        for line in receipt.lines:
            received[line.sku] = received.get(line.sku, 0) + line.quantity
        complete = all(received.get(line["sku"], 0) >= line["quantity"] for line in po["lines"])
        short = receipt.final and not complete
        if purchase_orders.book_receipt(po, receipt.receipt_id, received, complete or short, short):
            stock = _book_stock(inventory, receipt, warehouse, po["market"])
            shorts = _settle(inventory, purchase_orders, po["po_id"], warehouse)
            return ReceiptOutcome(ReceiptStatus.BOOKED, po_closed=complete or short, touched=stock.touched,
                                  served=stock.served, shorts=shorts)  # fmt: skip
    raise TransientError(f"receipt {receipt.receipt_id}: {receipt.po_id} kept changing under this writer")


def queue_cancels(sqs: Any, queue_url: str) -> Callable[[Sequence[CancelRequest]], None]:
    """A ``Receiving.cancel`` that sends each cancel, as the order-message JSON, to the queue the order
    lifecycle consumes (the market's ``order-returns``); its ``message_id`` makes a resend harmless."""

    def send(requests: Sequence[CancelRequest]) -> None:
        for start in range(0, len(requests), 10):
            batch = requests[start : start + 10]
            entries = [{"Id": str(i), "MessageBody": r.model_dump_json()} for i, r in enumerate(batch)]
            failed = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed", [])
            if failed:
                raise TransientError(f"{len(failed)} presale cancel(s) not accepted by the order queue")

    return send


@dataclass(frozen=True)
class Receiving:
    """Goods receipts of one market: booked against its POs, stock signals on its bus."""

    purchase_orders: PurchaseOrderStore
    inventory: InventoryStore
    market: Market
    bus_name: str
    put_events: Callable[[Sequence[dict[str, Any]]], Any]  # e.g. ``partial(livebase.aws.put_all, events)``
    # Where Livebase's own cancels of short presales go (the order lifecycle); None: only announced.
    cancel: Callable[[Sequence[CancelRequest]], Any] | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def receive(self, receipt: GoodsReceipt) -> ReceiptOutcome:
        """Book the receipt, then announce what it changed (``stock.*`` signals, alerts re-armed, any
        ``presale.short``), then hand the short presale's cancels on (at least once: a redelivery
        finds the announcement not yet remembered and repeats it)."""
        outcome = book_receipt(receipt, self.purchase_orders, self.inventory, market_warehouse(self.market.id))
        entries: list[dict[str, Any]] = []
        if outcome.touched:
            signals = stock_signals(self.inventory, outcome.touched, self.market)
            entries += signal_entries(signals, self.market, self.bus_name)
        entries += notice_entries(outcome.shorts, self.bus_name)
        if outcome.status is not ReceiptStatus.REFUSED:  # booked (or before: announced again) → settlement
            received = GoodsReceived(receipt_id=receipt.receipt_id, po_id=receipt.po_id, market=self.market.id)
            entries.append(bus_entry(received, self.bus_name))
        if entries:
            self.put_events(entries)
        if outcome.shorts:
            if self.cancel is not None:
                now = self.clock()
                self.cancel([request for short in outcome.shorts for request in cancel_requests(short, now)])
            remember_short(PresaleBook(self.inventory), outcome.shorts)
        return outcome
