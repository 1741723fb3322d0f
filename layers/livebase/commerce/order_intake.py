"""Orders of one market, accepted: priced by Livebase, limited per viewer, stock reserved, stored, announced.

What the orders consumer does per ``order_placed``, free of Lambda wiring (the handler parses the
record, wraps :meth:`OrderIntake.accept` in its idempotency guard and reports):

1. **price** every line from the market's catalogue or the session's prices
   (``livebase.commerce.pricing``, :class:`~livebase.commerce.price_list.PriceList`), at the time
   Livebase received the order; a differing client price is refused or repriced per market;
2. **reserve** the stock and the viewer's purchase-limit counters in one transaction, keyed on the
   order id with the order's fingerprint: a redelivery finds its decision, another content under a
   known id is refused (``conflict``) identically every time and nothing of it is stored or sent;
   an order refused before stock (its price) is recorded the same way (``InventoryStore.reject``);
3. **store** the order with Livebase's prices and its :class:`~livebase.commerce.order_state.OrderState`
   (once: a redelivery finds it), and its money in its room (``livebase.stores.room_orders``);
4. **announce**: ``OrderPlaced`` / ``OrderRejected`` and the stock signals the reservation crossed. A
   put that fails (refused by EventBridge or the residency guard) puts the alert levels back and
   raises :class:`AnnouncementFailed` (transient): the record is redelivered, the idempotency record
   is dropped with the failure, and the redelivery crosses and announces again. Nothing announced is
   lost: it is sent, or its record is redelivered (then kept on the stream's DLQ).

**Risk** (issue 32): with an :class:`~livebase.risk.OrderRisk`, an order it scores at the hold line is
reserved (its units wait) but neither stored nor announced as placed: it is kept for review
(:class:`~livebase.risk.holds.HeldOrders`) and announced as ``OrderHeld``; ops release it (this method
again with ``review=False``: the reservation is found, the order stored and announced) or cancel it
(``livebase.risk.review``).

Cancels, refunds and returns of a stored order go through :class:`~livebase.commerce.order_life.OrderLife`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from livebase.aws import TransientError, is_transient
from livebase.commerce.conflicts import order_fingerprint
from livebase.commerce.inventory import (
    ChangeResult,
    LiveContext,
    ReservationStatus,
    StockSignal,
    order_lines,
    signal_entries,
    stock_signals,
)
from livebase.commerce.inventory.requests import LimitCounter
from livebase.commerce.limits import check_limits, limit_key, requested_units
from livebase.commerce.order_state import open_order, rejected_order
from livebase.commerce.orders import market_warehouse, order_entry
from livebase.commerce.price_list import PriceList
from livebase.commerce.pricing import price_order
from livebase.live.events import OrderPlaced
from livebase.markets.config import Market
from livebase.risk import OrderRisk, RiskAssessment
from livebase.risk.holds import HeldOrders
from livebase.signals import bus_entry
from livebase.signals.trust import OrderHeld
from livebase.stores.inventory import InventoryStore
from livebase.stores.order_states import Decided, state_of
from livebase.stores.orders import OrderStore
from livebase.stores.room_orders import RoomOrders

REFUSED = "refused"  # a known order id with other content: nothing stored, nothing announced
HELD_FOR_REVIEW = "held"  # reserved, kept for review, announced as OrderHeld
LIMIT_COUNTER_DAYS = 7  # a limit counter outlives its session by days (TTL), then its viewer id goes
HELD = (ReservationStatus.RESERVED, ReservationStatus.CONSUMED)  # the order was accepted


class AnnouncementFailed(TransientError):
    """The order's bus entries were not sent; its alert levels were put back: redeliver the record."""


@dataclass(frozen=True)
class OrderIntake:
    """One market's order acceptance: its stores, prices, rules and a way onto its bus."""

    inventory: InventoryStore
    orders: OrderStore
    room_orders: RoomOrders
    prices: PriceList
    market: Market
    bus_name: str
    put_events: Callable[[Sequence[Mapping[str, Any]]], None]  # all entries or an error
    risk: OrderRisk | None = None  # issue 32: orders scored at the hold line wait for review
    holds: HeldOrders | None = None

    def accept(self, placed: OrderPlaced, received_at: datetime, *, review: bool = True) -> dict[str, str]:
        """Decide, store and announce one order (see the module docstring); ``received_at``: when
        Livebase received it (the record's arrival), which session prices are valid at; ``review``
        False: ops released it after a hold (no second risk look)."""
        rules = self.market.commerce
        fingerprint = order_fingerprint(placed)
        pricing = price_order(placed, self.prices.book(placed), rules.price_policy, received_at)
        if pricing.accepted:
            lines = order_lines(placed, market_warehouse)
            counters = self._limit_counters(placed, received_at)
            change = self.inventory.reserve(
                placed.order_id, placed.event_id, lines, fingerprint=fingerprint, limits=counters
            )
        else:
            change = self.inventory.reject(placed.order_id, placed.event_id, pricing.reason, fingerprint)
        if change.conflict:
            return {"order_id": placed.order_id, "status": REFUSED, "reason": change.conflict}
        accepted = change.status in HELD
        if accepted and review and self.risk is not None and self.holds is not None:
            assessment = self.risk.assess(placed, received_at)
            if assessment.hold and self.orders.get(placed.order_id) is None:
                return self._hold(placed, assessment, received_at, change)
        stored_first = self.orders.get(placed.order_id) if accepted and not pricing.accepted else None
        if stored_first is not None:  # a redelivery priced otherwise (a price ended since): the first decision stands
            record = stored_first
        else:
            state = open_order(placed, pricing.unit_prices) if accepted else rejected_order(placed, _reason(change))
            total = pricing.total if accepted else Decimal(0)
            decided = Decided(pricing.unit_prices, total, fingerprint, pricing.notes)
            record = self.orders.open(placed, state, decided, pricing.tax if accepted else None)  # tax: issue 33
        stored = state_of(record)
        self.room_orders.record(stored)
        live = LiveContext({line.sku: placed.room_id for line in placed.lines})  # sold live in this room
        signals = stock_signals(self.inventory, change.touched, self.market, live)
        landed = {"landed_total": record.landed_total, "tax_rule": record.tax_rule} if record.landed_total else {}
        entry = order_entry(
            placed, self.bus_name, accepted=accepted, reason=stored.rejection, total=Decimal(record.total),
            landed=landed,
        )  # fmt: skip
        self._announce([entry, *signal_entries(signals, self.market, self.bus_name)], signals)
        return {"order_id": placed.order_id, "status": record.status, "lifecycle": stored.status.value, **landed}

    def _hold(
        self, placed: OrderPlaced, assessment: RiskAssessment, received_at: datetime, change: ChangeResult
    ) -> dict[str, str]:
        """Keep a risky order for review: its reservation waits; ``OrderHeld`` and the stock signals go out."""
        assert self.holds is not None
        self.holds.hold(placed, assessment, received_at)
        live = LiveContext({line.sku: placed.room_id for line in placed.lines})
        signals = stock_signals(self.inventory, change.touched, self.market, live)
        held = OrderHeld(order_id=placed.order_id, market=placed.market, room_id=placed.room_id,
                         score=assessment.score, signals=assessment.signals, held_at=received_at)  # fmt: skip
        self._announce([bus_entry(held, self.bus_name), *signal_entries(signals, self.market, self.bus_name)], signals)
        return {"order_id": placed.order_id, "status": HELD_FOR_REVIEW, "risk": assessment.reason()}

    def _limit_counters(self, placed: OrderPlaced, received_at: datetime) -> tuple[LimitCounter, ...]:
        """The viewer's counters this order bumps (SKUs the market or the plan limits)."""
        requested = requested_units(placed.lines)
        limited = check_limits(requested, {}, self.market.commerce).limited
        expires = int((received_at + timedelta(days=LIMIT_COUNTER_DAYS)).timestamp())
        return tuple(
            LimitCounter(limit_key(placed.session_id, sku, placed.viewer_id), sku, requested[sku], limit, expires)
            for sku, limit in limited.items()
        )

    def _announce(self, entries: Sequence[Mapping[str, Any]], signals: Sequence[StockSignal]) -> None:
        try:
            self.put_events(entries)
        except Exception as error:
            for signal in signals:
                self.inventory.unsettle_alert(signal)
            if is_transient(error):
                raise
            raise AnnouncementFailed(f"order announcement not sent: {type(error).__name__}") from error


def _reason(change: ChangeResult) -> str:
    """Why the order was rejected, as first decided (a redelivery's record says "already rejected: ...")."""
    reason = str(change.reason or "rejected")
    return reason.removeprefix("order already rejected: ")
