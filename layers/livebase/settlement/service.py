"""One market's settlement: a bus event about an order → the order's ledger caught up with its record.

The event says only *which* order moved (``OrderPlaced`` / ``OrderRejected``, ``OrderShipped``,
``OrderReturned``, ``OrderRefunded``) or which purchase order received goods (``GoodsReceived``);
every amount comes from the order or the PO as Livebase stored it (``livebase.stores.orders``,
``livebase.stores.purchase_orders``: units received at the PO's unit costs) and the market's fee
schedule, never from the message. An event about
an order this market does not hold, or of another market, is refused with the reason (the consumer
sends it to its DLQ); an event that is no such signal is refused naming the field, never a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from livebase.settlement.fees import FeeSchedule
from livebase.settlement.money import to_minor
from livebase.settlement.postings import facts_of
from livebase.signals import parse_event
from livebase.signals.orders import OrderAnnouncement, OrderLifeSignal
from livebase.signals.supply import GoodsReceived
from livebase.stores.orders import OrderStore
from livebase.stores.purchase_orders import PurchaseOrderItem, PurchaseOrderStore
from livebase.stores.settlement import SettlementStore


class SettlementRefused(ValueError):
    """The event cannot be settled here; the reason names the field and the rule, never a value."""


@dataclass(frozen=True)
class Settled:
    order_id: str
    posted: tuple[str, ...]  # the transactions this event posted (none: the ledger held them already)
    event: str


@dataclass(frozen=True)
class Settlement:
    ledger: SettlementStore
    orders: OrderStore
    fees: FeeSchedule
    purchase_orders: PurchaseOrderStore | None = None  # None: goods receipts are not settled here
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def settle(self, event: Mapping[str, Any] | str | bytes) -> Settled:
        """Post what the order's record calls for and the ledger lacks (``SignalError`` for a broken event)."""
        signal = parse_event(event, OrderAnnouncement, OrderLifeSignal, GoodsReceived).signal
        assert isinstance(signal, OrderAnnouncement | OrderLifeSignal | GoodsReceived)  # parse_event took only these
        if signal.market != self.fees.market:
            raise SettlementRefused(f"market: the event is of another market than this ledger's ({self.fees.market})")
        if isinstance(signal, GoodsReceived):
            return self._received(signal)
        found = self.orders.read_state(signal.order_id)
        if found is None:
            raise SettlementRefused("order_id: not an order of this market")
        record, state = found
        posted = self.ledger.post_order(facts_of(record, state), self.fees, self.clock())
        return Settled(signal.order_id, tuple(t.txn_id for t in posted), signal.DETAIL_TYPE)

    def _received(self, signal: GoodsReceived) -> Settled:
        po = self.purchase_orders.get(signal.po_id) if self.purchase_orders is not None else None
        if po is None:
            raise SettlementRefused("po_id: not a purchase order of this market")
        value = to_minor(received_value(po), po["currency"])
        posted = self.ledger.post_received(po["po_id"], po["supplier"], self.fees.market, po["currency"], value,
                                           self.clock())  # fmt: skip
        return Settled(signal.po_id, tuple(t.txn_id for t in posted), signal.DETAIL_TYPE)


def received_value(po: PurchaseOrderItem) -> Decimal:
    """What the PO's received units cost at its unit costs (a SKU's lines in order, each up to its quantity)."""
    left = dict(po.get("received", {}))
    value = Decimal(0)
    for line in po["lines"]:
        units = min(int(left.get(line["sku"], 0)), int(line["quantity"]))
        left[line["sku"]] = int(left.get(line["sku"], 0)) - units
        value += Decimal(line["unit_cost"]) * units
    return value
