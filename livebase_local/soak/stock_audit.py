"""The soak's stock audit: every unit of every SKU accounted for from the inventory table's own records.

Every stock change is one transaction with its bookkeeping record beside the stock items, so the
records alone say what the stock must be. Per SKU (one warehouse per market):

* **receipts**: ``RCV#`` records (the soak books its opening stock as receipts ``soak-…``);
* **held**: ``RES#`` records still ``reserved`` (their spot and presale units);
* **shipped**: ``RES#`` records ``consumed`` (the shipment took their units off the shelf);
* **restocked**: ``RTN#`` records (returned units the warehouse received as sellable).

Then on hand (``available + reserved``) must be receipts - shipped + restocked, and ``reserved``
must be what the open reservations hold: any difference, either way, is a **phantom unit** (stock
that is not on the shelf, or a shelf the books do not know). **Oversold**: more units held or
shipped than ever came in (receipts + restocked), or ``available`` below zero. **Applied twice**:
``reserved`` beyond what the open reservations hold, or an order restocked beyond what it shipped.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from livebase.commerce.inventory.model import RECEIPT_PREFIX, RESERVATION_PREFIX, RESTOCK_PREFIX
from livebase.commerce.limits import LIMIT_PREFIX

RESERVED, CONSUMED = "reserved", "consumed"


class Finding(Protocol):
    counts: Counter[str]

    def add(self, name: str, amount: int, what: str) -> None: ...


@dataclass
class SkuLedger:
    """One SKU: the stock item's figures and what the records add up to."""

    available: int = 0
    reserved: int = 0
    receipts: int = 0
    held: int = 0
    shipped: int = 0
    restocked: int = 0

    @property
    def on_hand(self) -> int:
        return self.available + self.reserved

    @property
    def books_on_hand(self) -> int:
        return self.receipts - self.shipped + self.restocked

    @property
    def phantom(self) -> int:
        return abs(self.on_hand - self.books_on_hand) + abs(self.reserved - self.held)

    @property
    def oversold(self) -> int:
        return max(0, self.held + self.shipped - self.receipts - self.restocked) + max(0, -self.available)

    def said(self) -> str:
        return (
            f"on hand {self.on_hand} (available {self.available} + reserved {self.reserved}), books "
            f"{self.books_on_hand} (receipts {self.receipts} − shipped {self.shipped} + restocked {self.restocked}); "
            f"open reservations hold {self.held}"
        )


@dataclass
class StockBooks:
    """The inventory table read once: a ledger per SKU, and per order what it shipped and got back."""

    skus: dict[str, SkuLedger] = field(default_factory=lambda: defaultdict(SkuLedger))
    shipped_by_order: Counter[tuple[str, str]] = field(default_factory=Counter)  # (order, sku) -> units
    restocked_by_order: Counter[tuple[str, str]] = field(default_factory=Counter)
    orders_shipped: int = 0
    returns_restocked: int = 0

    @classmethod
    def read(cls, items: Iterable[dict[str, Any]]) -> StockBooks:
        books = cls()
        for item in items:
            key = str(item["sku"])
            if key.startswith(RESERVATION_PREFIX):
                books._reservation(key.removeprefix(RESERVATION_PREFIX), item)
            elif key.startswith(RECEIPT_PREFIX):
                books.skus[str(item["sku_ref"])].receipts += int(item["quantity"])
            elif key.startswith(RESTOCK_PREFIX):
                books.returns_restocked += 1
                order_id = str(item.get("order_id", ""))
                for line in item.get("lines", []):
                    books.skus[str(line["sku"])].restocked += int(line["quantity"])
                    books.restocked_by_order[(order_id, str(line["sku"]))] += int(line["quantity"])
            elif not key.startswith(LIMIT_PREFIX):
                ledger = books.skus[key]
                ledger.available, ledger.reserved = int(item.get("available", 0)), int(item.get("reserved", 0))
        return books

    def _reservation(self, order_id: str, item: dict[str, Any]) -> None:
        status = item.get("status")
        if status not in (RESERVED, CONSUMED):
            return  # rejected or released: holds nothing
        self.orders_shipped += status == CONSUMED
        for line in item.get("lines", []):
            sku, units = str(line["sku"]), int(line["spot"]) + int(line.get("presale", 0))
            if status == RESERVED:
                self.skus[sku].held += units
            else:
                self.skus[sku].shipped += units
                self.shipped_by_order[(order_id, sku)] += units

    def audit(self, market: str, findings: Finding) -> None:
        """Add phantom, oversold and applied-twice units (each SKU named) to ``findings``."""
        for sku, ledger in sorted(self.skus.items()):
            findings.counts["units_reserved"] += ledger.reserved
            if ledger.phantom:
                findings.add("phantom_units", ledger.phantom, f"{market}: {sku} {ledger.said()}")
            if ledger.reserved > ledger.held:
                findings.add("orders_applied_twice", ledger.reserved - ledger.held, f"{market}: {sku} {ledger.said()}")
            if ledger.oversold:
                findings.add("units_oversold", ledger.oversold, f"{market}: {sku} {ledger.said()}")
        findings.counts["orders_shipped"] += self.orders_shipped
        findings.counts["returns_restocked"] += self.returns_restocked
        for (order_id, sku), units in sorted(self.restocked_by_order.items()):
            beyond = units - self.shipped_by_order[(order_id, sku)]
            if beyond > 0:
                findings.add(
                    "orders_applied_twice", beyond,
                    f"{market}: order {order_id} restocked {units} of {sku}, shipped "
                    f"{self.shipped_by_order[(order_id, sku)]}",
                )  # fmt: skip
