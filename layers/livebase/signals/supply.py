"""``PurchaseOrderCreated`` (``livebase.replenishment``): a purchase order for one supplier.

Put by ``order-to-replenish`` (``livebase.replenishment.purchase_orders``, once per PO: an outbox);
taken by the market's supplier-orders queue, whose gateway routes by ``supplier`` and is
idempotent on ``po_id`` (locally ``livebase_local.simulator.supplier``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from livebase.signals.contract import BusSignal, SkuLine

PO_EVENT_SOURCE = "livebase.replenishment"
PO_CREATED = "PurchaseOrderCreated"
GOODS_RECEIVED = "GoodsReceived"


class OrderedLine(SkuLine):
    unit_cost: Decimal  # written as text


class PurchaseOrderCreated(BusSignal):
    SOURCE = PO_EVENT_SOURCE
    DETAIL_TYPE = PO_CREATED

    po_id: str
    market: str
    supplier: str
    run_date: date
    expected_arrival: date
    currency: str
    total_cost: Decimal  # written as text
    lines: tuple[OrderedLine, ...]


class GoodsReceived(BusSignal):
    """A goods receipt booked against its PO (``livebase.replenishment.receiving``); no amount: the
    settlement ledger reads the PO's unit costs and received units from its record (issue 33)."""

    SOURCE = PO_EVENT_SOURCE
    DETAIL_TYPE = GOODS_RECEIVED

    receipt_id: str
    po_id: str
    market: str
