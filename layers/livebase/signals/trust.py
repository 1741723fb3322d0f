"""Trust-and-safety signals (``livebase.trust``, issue 32): an order held for review, a room's authenticity.

Business facts only, as every signal: no viewer id (not even the pseudonym), no comment text.
``OrderHeld`` is put by ``livebase.commerce.order_intake`` when the order's risk score reaches the
hold line; ``infra_cdk/components/moderation.py`` routes it to the market's ops topic.
"""

from __future__ import annotations

from livebase.signals.contract import BusSignal, IsoTime

TRUST_SOURCE = "livebase.trust"
ORDER_HELD = "OrderHeld"
ORDER_REVIEWED = "OrderReviewed"


class OrderHeld(BusSignal):
    SOURCE = TRUST_SOURCE
    DETAIL_TYPE = ORDER_HELD

    order_id: str
    market: str
    room_id: str
    score: float
    signals: tuple[str, ...]  # the risk signals that fired (velocity_2, bulk, ring, cancels, refunds)
    held_at: IsoTime


class OrderReviewed(BusSignal):
    """Ops decided a held order: ``released`` (served as placed) or ``cancelled`` (its units given back)."""

    SOURCE = TRUST_SOURCE
    DETAIL_TYPE = ORDER_REVIEWED

    order_id: str
    market: str
    outcome: str
    at: IsoTime
