"""``OrderPlaced`` / ``OrderRejected`` (``livebase.orders``): an order the orders consumer took or
refused (no stock). Business facts only: not even the pseudonymous viewer id goes on the bus.

Put by ``livebase.commerce.order_intake``; no rule of the stack takes them today (the bus keeps
them for whoever subscribes: fulfilment analytics, a CRM).
"""

from __future__ import annotations

from decimal import Decimal

from livebase.signals.contract import BusSignal, IsoTime, SkuLine

ORDER_EVENT_SOURCE = "livebase.orders"
ORDER_PLACED = "OrderPlaced"
ORDER_REJECTED = "OrderRejected"


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


class OrderRejected(OrderAnnouncement):
    DETAIL_TYPE = ORDER_REJECTED

    reason: str  # why: the SKUs without stock
