"""Per-order risk from what the buyer and the room did lately: velocity, hoarding rings, buy-and-cancel.

The order event carries the viewer (pseudonymous), the session and the room; no device or
payment key (the privacy contract keeps them off the stream), so signals are per viewer and per
room. Each signal adds to a score in [0, 1]; at :data:`HOLD_AT` or above the order is held for
review (the reservation waits; ops release or cancel it). The weights were chosen on one seeded
day of the simulator's injected abuse and are reported on another (``benchmarks/trust_safety.py``).

- **velocity**: the viewer's orders in the same session in the last five minutes (a person buys once
  per product shown);
- **bulk**: three or more units of one SKU in one order;
- **ring**: several distinct viewers, each on their first order here, buying the same SKU in
  bulk within two minutes (fresh accounts hoarding the last units together);
- **buy-and-cancel / refunds**: the viewer's cancels and refund requests in the last day.

Windows run on event times, so the same stream gives the same scores anywhere. A viewer's state is
per container and bounded (the stream is partitioned by viewer; a cold container starts with no
history and the score then errs low). The ring spans viewers, hence shards: its window is a
:class:`RingWindow`, in memory by default (one process: benchmarks, tests) and shared through the
room-metrics table in the orders consumer (:class:`livebase.risk.ring.SharedRingWindow`).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from livebase.live.events import OrderCancelled, OrderPlaced, Refund
from livebase.recent import entry, trim

HOLD_AT = 0.6
VELOCITY_WINDOW_S = 300.0
RING_WINDOW_S = 120.0
RING_MIN_OTHERS = 2  # distinct other first-time bulk buyers of the SKU in the window
BULK_UNITS = 3
HISTORY_WINDOW_S = 86_400.0
WEIGHTS = {"velocity_1": 0.35, "velocity_2": 0.7, "bulk": 0.25, "ring": 0.4, "cancels": 0.3, "refunds": 0.3}
MAX_VIEWERS = 200_000


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    score: float
    signals: tuple[str, ...]

    @property
    def hold(self) -> bool:
        return self.score >= HOLD_AT

    def reason(self) -> str:
        """Bounded, value-free: the signal names only."""
        return "risk " + ",".join(self.signals) if self.signals else ""


class RingWindow(Protocol):
    def others(self, room_id: str, sku: str, viewer_id: str, now: float, span: float, fresh: bool) -> set[str]:
        """The other first-order bulk buyers of ``sku`` in ``room_id`` within ``span`` seconds before ``now``
        (viewer keys); with ``fresh`` this buyer is one of them from now on."""
        ...


class MemoryRingWindow:
    """The ring window of one process (every order reaches it)."""

    def __init__(self) -> None:
        self._bulk: dict[tuple[str, str], deque[tuple[float, str]]] = {}  # (room, sku) -> first-order bulk buys

    def others(self, room_id: str, sku: str, viewer_id: str, now: float, span: float, fresh: bool) -> set[str]:
        recent = self._bulk.setdefault((room_id, sku), deque())
        while recent and recent[0][0] <= now - span:
            recent.popleft()
        found = {viewer for _, viewer in recent if viewer != viewer_id}
        if fresh:
            recent.append((now, viewer_id))
        return found


@dataclass(slots=True)
class _Buyer:
    orders: dict[str, deque[float]] = field(default_factory=dict)  # per session
    cancels: deque[float] = field(default_factory=deque)
    refunds: deque[float] = field(default_factory=deque)
    placed: int = 0


class OrderRisk:
    """One market's order risk state in this container."""

    def __init__(self, max_viewers: int = MAX_VIEWERS, ring: RingWindow | None = None) -> None:
        self._buyers: OrderedDict[str, _Buyer] = OrderedDict()
        self._ring = ring or MemoryRingWindow()
        self._seen: OrderedDict[str, RiskAssessment] = OrderedDict()
        self._max = max_viewers

    def _buyer(self, viewer_id: str) -> _Buyer:
        return entry(self._buyers, viewer_id, _Buyer, self._max)

    def assess(self, order: OrderPlaced, at: datetime | None = None) -> RiskAssessment:
        """Score an order (once per order id: a redelivery gets the same answer) and remember it."""
        known = self._seen.get(order.order_id)
        if known is not None:
            return known
        now = (at or order.ts).timestamp()
        buyer = self._buyer(order.viewer_id)
        session_orders = buyer.orders.setdefault(order.session_id, deque())
        trim(session_orders, now, VELOCITY_WINDOW_S)
        trim(buyer.cancels, now, HISTORY_WINDOW_S)
        trim(buyer.refunds, now, HISTORY_WINDOW_S)
        signals: list[str] = []
        if len(session_orders) >= 2:
            signals.append("velocity_2")
        elif session_orders:
            signals.append("velocity_1")
        bulk_skus = {line.sku for line in order.lines if line.quantity >= BULK_UNITS}
        if bulk_skus:
            signals.append("bulk")
            for sku in sorted(bulk_skus):
                others = self._ring.others(order.room_id, sku, order.viewer_id, now, RING_WINDOW_S, buyer.placed == 0)
                if len(others) >= RING_MIN_OTHERS and "ring" not in signals:
                    signals.append("ring")
        if buyer.cancels:
            signals.append("cancels")
        if buyer.refunds:
            signals.append("refunds")
        session_orders.append(now)
        if len(buyer.orders) > 8:  # sessions long past: keep the latest few
            del buyer.orders[next(iter(buyer.orders))]
        buyer.placed += 1
        assessment = RiskAssessment(min(1.0, round(sum(WEIGHTS[s] for s in signals), 3)), tuple(signals))
        self._seen[order.order_id] = assessment
        if len(self._seen) > self._max:
            self._seen.popitem(last=False)
        return assessment

    def observe(self, event: OrderCancelled | Refund) -> None:
        """A cancel or a refund request of the viewer: weighs on their next orders."""
        buyer = self._buyer(event.viewer_id)
        (buyer.cancels if isinstance(event, OrderCancelled) else buyer.refunds).append(event.ts.timestamp())
