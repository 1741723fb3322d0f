"""The presale's item shapes in the inventory table: a stock item as a presale sees it, an order
waiting for goods, what a receipt line did, and the transaction items that move them.

Read by :mod:`livebase.stores.presales` (the book that serves receipts and closes presales).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from livebase.aws import from_attributes
from livebase.commerce.inventory.model import RESERVATION_PREFIX, Allocation, ReservationStatus, StockKey


@dataclass(frozen=True)
class PresaleState:
    """One stock item as a presale sees it."""

    key: StockKey
    available: int
    reserved: int
    cap: int
    left: int  # still sellable ahead of the goods
    waiting: int  # sold ahead and not yet served by a receipt (``presale_reserved``)
    po_id: str | None
    expected_arrival: str | None
    late_announced: str | None  # the expected arrival a ``presale.late`` was put for
    short_announced: str | None  # the PO a ``presale.short`` was put for

    @property
    def promised(self) -> int:
        """Units of the PO's goods this presale has promised: sellable plus sold."""
        return self.left + self.waiting

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> PresaleState:
        raw = from_attributes(item)
        return cls(
            key=StockKey(raw["sku"], raw["warehouse"]),
            available=int(raw.get("available", 0)), reserved=int(raw.get("reserved", 0)),
            cap=int(raw.get("presale_cap", 0)), left=int(raw.get("presale_left", 0)),
            waiting=int(raw.get("presale_reserved", 0)), po_id=raw.get("presale_po"),
            expected_arrival=raw.get("expected_arrival"), late_announced=raw.get("presale_late_announced"),
            short_announced=raw.get("presale_short_announced"),
        )  # fmt: skip


@dataclass(frozen=True)
class WaitingOrder:
    """A reserved order holding presold units of one SKU."""

    order_id: str
    at: str  # when it reserved (oldest first)
    presale: int  # its units of the SKU still waiting for goods
    lines: tuple[Allocation, ...]
    moves: int  # version of its lines (each move from presale to spot adds one)


@dataclass(frozen=True)
class Received:
    """What one receipt line did: units to presold orders (oldest first), the rest to ``available``."""

    duplicate: bool
    served: tuple[tuple[str, int], ...] = ()  # (order id, units) this receipt's units went to
    to_available: int = 0


def waiting_order(item: dict[str, Any], key: StockKey) -> WaitingOrder | None:
    raw = from_attributes(item)
    lines = tuple(Allocation.from_value(v) for v in raw.get("lines", []))
    presale = sum(a.presale for a in lines if a.key == key)
    if raw.get("status") != ReservationStatus.RESERVED.value or presale <= 0:
        return None
    order_id = str(raw["sku"]).removeprefix(RESERVATION_PREFIX)
    return WaitingOrder(order_id, str(raw.get("at", "")), presale, lines, int(raw.get("presale_moves", 0)))


def transact_update(
    table: str, key: dict[str, Any], expression: str, condition: str, values: dict[str, Any], **names: str
) -> dict[str, Any]:
    """One ``Update`` item of a transaction."""
    update: dict[str, Any] = {
        "TableName": table,
        "Key": key,
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
    }
    if names:
        update["ExpressionAttributeNames"] = {f"#{alias}": name for alias, name in names.items()}
    return {"Update": update}


def moved_lines(lines: Sequence[Allocation], key: StockKey, units: int) -> list[dict[str, Any]]:
    """The order's lines with ``units`` of ``key`` moved from presale to spot."""
    return [
        (Allocation(a.sku, a.warehouse, a.spot + units, a.presale - units) if a.key == key else a).to_value()
        for a in lines
    ]
