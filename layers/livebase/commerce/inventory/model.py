"""Stock records as the inventory table holds them, and what each inventory operation returns.

The table's key is ``sku`` (S) + ``warehouse`` (S). Stock items use the real SKU; bookkeeping
records that make every change idempotent share the table under prefixed keys
(``RES#<order_id>`` for a reservation, ``RCV#<receipt_id>`` for a goods receipt, ``RTN#<order_id>#<message>``
for a received return's restock, ``LIM#...`` for a purchase-limit counter: ``livebase.commerce.limits``),
so one transaction can change stock and write its record together, without a second table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from livebase.aws import from_attributes, to_attributes
from livebase.commerce.limits import LIMIT_PREFIX

RESERVATION_PREFIX = "RES#"
RECEIPT_PREFIX = "RCV#"
RESTOCK_PREFIX = "RTN#"
RECORD_PREFIXES = (RESERVATION_PREFIX, RECEIPT_PREFIX, RESTOCK_PREFIX, LIMIT_PREFIX)  # keys that are not stock items
RECORD_SORT_KEY = "RECORD"  # sort key of bookkeeping records (one per business id)


class AlertLevel(StrEnum):
    """The last stock level announced for a SKU: a change of level is what raises an event."""

    OK = "ok"
    LOW = "low"
    OUT = "out"


@dataclass(frozen=True)
class StockKey:
    sku: str
    warehouse: str

    def key(self) -> dict[str, Any]:
        return {"sku": {"S": self.sku}, "warehouse": {"S": self.warehouse}}


@dataclass(frozen=True)
class StockItem:
    """One SKU in one market warehouse.

    ``available`` is spot stock that can still be promised; ``reserved`` is promised to orders
    not yet shipped (on hand = available + reserved). A presale SKU also sells up to
    ``presale_cap`` units ahead of ``expected_arrival``; ``presale_left`` is what remains of it.
    """

    sku: str
    warehouse: str
    market: str
    available: int
    reserved: int = 0
    presale_cap: int = 0
    presale_left: int = 0
    presale_reserved: int = 0
    expected_arrival: str | None = None  # ISO date of the presale shipment
    low_mark: int | None = None  # None: the market's alerts.low_stock_units
    alert: AlertLevel = AlertLevel.OK

    @property
    def sellable(self) -> int:
        """Units a buyer can still order now: spot plus what is left of the presale cap."""
        return self.available + self.presale_left

    @property
    def on_hand(self) -> int:
        return self.available + self.reserved

    def to_item(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "sku": self.sku, "warehouse": self.warehouse, "market": self.market,
            "available": self.available, "reserved": self.reserved, "presale_cap": self.presale_cap,
            "presale_left": self.presale_left, "presale_reserved": self.presale_reserved,
            "expected_arrival": self.expected_arrival, "low_mark": self.low_mark,
            "alert": self.alert.value,
        }  # fmt: skip
        return to_attributes(values)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> StockItem:
        raw = from_attributes(item)
        low_mark = raw.get("low_mark")
        return cls(
            sku=raw["sku"],
            warehouse=raw["warehouse"],
            market=raw.get("market", ""),
            available=int(raw.get("available", 0)),
            reserved=int(raw.get("reserved", 0)),
            presale_cap=int(raw.get("presale_cap", 0)),
            presale_left=int(raw.get("presale_left", 0)),
            presale_reserved=int(raw.get("presale_reserved", 0)),
            expected_arrival=raw.get("expected_arrival"),
            low_mark=None if low_mark is None else int(low_mark),
            alert=AlertLevel(raw.get("alert", AlertLevel.OK.value)),
        )


@dataclass(frozen=True)
class LineRequest:
    """Units of one SKU an order wants from one warehouse."""

    sku: str
    warehouse: str
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"quantity of {self.sku} must be positive, got {self.quantity}")


@dataclass(frozen=True)
class Allocation:
    """How one line was filled: from spot stock, from the presale cap, or split across both."""

    sku: str
    warehouse: str
    spot: int
    presale: int

    @property
    def key(self) -> StockKey:
        return StockKey(self.sku, self.warehouse)

    def to_value(self) -> dict[str, Any]:
        return {"sku": self.sku, "warehouse": self.warehouse, "spot": self.spot, "presale": self.presale}

    @classmethod
    def from_value(cls, value: dict[str, Any]) -> Allocation:
        return cls(value["sku"], value["warehouse"], int(value["spot"]), int(value["presale"]))


class ReservationStatus(StrEnum):
    RESERVED = "reserved"
    REJECTED = "rejected"  # not enough stock when first seen; a redelivery stays rejected
    RELEASED = "released"  # cancelled before hand-off (or cancelled before the order arrived)
    CONSUMED = "consumed"  # shipped: the units left the shelf; never released after this


class Outcome(StrEnum):
    APPLIED = "applied"  # this call changed stock
    DUPLICATE = "duplicate"  # already applied by an earlier delivery: nothing changed
    REJECTED = "rejected"  # refused (not enough stock / unknown SKU): nothing changed
    NOOP = "noop"  # nothing to do (e.g. release of an order that never reserved)


@dataclass(frozen=True)
class ChangeResult:
    """What one inventory operation did, and which stock items it touched (for alerts)."""

    outcome: Outcome
    status: ReservationStatus | None = None
    allocations: tuple[Allocation, ...] = ()
    reason: str = ""
    attempts: int = 1
    touched: tuple[StockKey, ...] = field(default=())
    conflict: str = ""  # not empty: the order id is known with other content (livebase.commerce.conflicts)


def number(value: int | Decimal) -> dict[str, str]:
    return {"N": str(int(value))}
