"""``OrderPlaced`` / ``OrderRejected`` (``livebase.orders``): an order the orders consumer took or
refused (no stock); ``OrderShipped`` / ``OrderReturned`` / ``OrderRefunded``: what the order's life
did to it after (issue 33). Business facts only: not even the pseudonymous viewer id goes on the bus,
and no amount on the life signals (the settlement ledger reads every amount from the order record).

``OrderPlaced`` / ``OrderRejected`` are put by ``livebase.commerce.order_intake``, the life signals by
``livebase.commerce.order_life``; the settlement rule (``infra_cdk/components/settlement.py``) takes
``OrderPlaced`` and the life signals to the ledger's queue.
"""

from __future__ import annotations

from decimal import Decimal

from livebase.signals.contract import BusSignal, IsoTime, SkuLine

ORDER_EVENT_SOURCE = "livebase.orders"
ORDER_PLACED = "OrderPlaced"
ORDER_REJECTED = "OrderRejected"
ORDER_SHIPPED = "OrderShipped"
ORDER_RETURNED = "OrderReturned"
ORDER_REFUNDED = "OrderRefunded"


class OrderAnnouncement(BusSignal):
    SOURCE = ORDER_EVENT_SOURCE

    order_id: str
    market: str
    room_id: str
    currency: str
    total: Decimal  # written as text
    lines: tuple[SkuLine, ...]
    placed_at: IsoTime


class OrderPlaced(OrderAnnouncement):
    DETAIL_TYPE = ORDER_PLACED
    OMIT_NONE = True  # an order taken without a tax table has no landed total

    # What the buyer pays landed (net + tax + duty) and the tax rule that decided (issue 33, livebase.tax).
    landed_total: Decimal | None = None  # written as text
    tax_rule: str | None = None


class OrderRejected(OrderAnnouncement):
    DETAIL_TYPE = ORDER_REJECTED

    reason: str  # why: the SKUs without stock


class OrderLifeSignal(BusSignal):
    """Something the order's life did to a stored order: which order, which message did it, when."""

    SOURCE = ORDER_EVENT_SOURCE

    order_id: str
    market: str
    event: str  # the message that did it ("<type>:<message id>"): the business event's key
    at: IsoTime


class OrderShipped(OrderLifeSignal):
    DETAIL_TYPE = ORDER_SHIPPED


class OrderReturned(OrderLifeSignal):
    """The warehouse received goods of the order back (sellable or written off)."""

    DETAIL_TYPE = ORDER_RETURNED


class OrderRefunded(OrderLifeSignal):
    """Money went back to the buyer: a refund, or a cancel before hand-off."""

    DETAIL_TYPE = ORDER_REFUNDED


LIFE_SIGNALS = (ORDER_SHIPPED, ORDER_RETURNED, ORDER_REFUNDED)
