"""One message applied to one stored order: decided by ``lifecycle.transition``, stock follows, state stored.

Both consumers call :meth:`OrderLife.apply`: the orders consumer for the live stream's cancels,
refunds and return requests, the fulfilment consumer for the WMS's steps, the warehouse's received
returns and ops' requests. In order:

1. read the order's state (unknown order: :data:`UNKNOWN`, the caller keeps the message);
2. an order the hand-off has claimed (``wms_status`` set) is at least ``handed``: too late to cancel;
3. decide (``transition``); nothing to write (a duplicate, stale news): done, after repairing what a
   crash may have left (the stock the state says, the room's money);
4. apply the stock effects first, each idempotent by its own record: a cancel's release (in one
   transaction with "the order is not handed to the WMS", which also marks it cancelled for the
   hand-off), the shipment's consume, a received return's restock; then the alert levels settle
   (re-armed by the units that came back);
5. store the new state conditionally on the version it was decided on. Another writer first: read
   and decide again (the effects already applied are found done by their records). A crash between
   4 and 5 is repaired by the redelivery, which decides the same and finds the effects done;
6. the room's money (``livebase.stores.room_orders``) follows the state's refunds;
7. the life signals (``livebase.signals.orders``: ``OrderShipped``, ``OrderReturned``, ``OrderRefunded``)
   go on the market bus for the settlement ledger, when a bus is given. A put that fails raises: the
   redelivery is a duplicate, which announces the first decision again (the ledger posts once).

A refused transition is stored too (the state keeps the refusal and its reason); the caller reports
it. Reasons name fields, rules and amounts, never the buyer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from livebase.aws import TransientError
from livebase.commerce.inventory import LineRequest, StockKey
from livebase.commerce.inventory.model import Outcome as StockOutcome
from livebase.commerce.lifecycle import StockAction, Transition, message_key, transition
from livebase.commerce.messages import CancelRequest, OrderMessage, RefundRequest, ReturnReceived, WmsUpdate
from livebase.commerce.order_state import OrderState, Outcome, Stage
from livebase.commerce.orders import market_warehouse
from livebase.markets.config import Market
from livebase.signals import bus_entry
from livebase.signals.orders import OrderLifeSignal, OrderRefunded, OrderReturned, OrderShipped
from livebase.stores.inventory import InventoryStore
from livebase.stores.order_table import OrderRecord
from livebase.stores.orders import OrderStore
from livebase.stores.room_orders import RoomOrders

UNKNOWN = "unknown"  # no such order in this market (yet): the caller keeps the message
MAX_ATTEMPTS = 6  # decisions of one message against writers of the same order


class OrderContention(TransientError):
    """The order kept changing under this writer: redeliver the message."""


class StockRefused(ValueError):
    """The stock cannot follow the decision (a returned SKU not tracked in the warehouse)."""


@dataclass(frozen=True)
class Applied:
    """What one message did: ``outcome`` is a lifecycle outcome or :data:`UNKNOWN`."""

    order_id: str
    outcome: str
    reason: str = ""
    state: OrderState | None = None

    @property
    def kept(self) -> bool:
        """Not applied and not harmless news: the caller reports (and, for an unknown order, keeps) it."""
        return self.outcome in (UNKNOWN, Outcome.REFUSED.value)


@dataclass(frozen=True)
class OrderLife:
    """One market's order lifecycle: its stores and rules (``market.commerce``)."""

    inventory: InventoryStore
    orders: OrderStore
    room_orders: RoomOrders
    market: Market
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    bus_name: str = ""
    put_events: Callable[[Sequence[Mapping[str, Any]]], None] | None = None  # None: no life signals

    def apply(self, message: OrderMessage) -> Applied:
        """Apply ``message`` to its order once, however often and in whatever order it comes."""
        for _ in range(MAX_ATTEMPTS):
            found = self.orders.read_state(message.order_id)
            if found is None:
                reason = f"order_id: {message.order_id} is not an order of this market (yet)"
                return Applied(message.order_id, UNKNOWN, reason)
            record, state = found
            state = _claimed_by_hand_off(record, state)
            step = transition(state, message, self.market.commerce, self.clock())
            if not step.write:
                self._repair(state)
                earlier = state.decision(message_key(message))
                if step.outcome is Outcome.DUPLICATE and earlier is not None and earlier.outcome is Outcome.APPLIED:
                    self._announce(state, message)  # the first delivery's put may have failed
                return Applied(message.order_id, step.outcome.value, step.reason, state)
            if not self._stock(state, step, message_key(message)):
                continue  # the hand-off took the order meanwhile: decide again (the cancel is now too late)
            if self.orders.write_state(record, step.state, message):
                if step.refunds:
                    self.room_orders.record(step.state)
                if step.outcome is Outcome.APPLIED:
                    self._announce(step.state, message)
                return Applied(message.order_id, step.outcome.value, step.reason, step.state)
        raise OrderContention(f"order {message.order_id}: changed under every one of {MAX_ATTEMPTS} decisions")

    def _stock(self, state: OrderState, step: Transition, key: str) -> bool:
        """Apply the step's stock effects (each idempotent); False when a cancel's guard failed."""
        warehouse = market_warehouse(self.market.id)
        touched: list[StockKey] = []
        for action in (StockAction.RELEASE, StockAction.CONSUME):
            if not any(effect.action is action for effect in step.stock):
                continue
            if action is StockAction.RELEASE:
                guard = self.orders.cancel_guard(state.order_id)
                owner = (state.session_id, state.viewer_id)
                result = self.inventory.release(state.order_id, key, "cancelled", limit_owner=owner, guards=[guard])
                if result.outcome is StockOutcome.REJECTED and result.reason == "guard":
                    return False
            else:
                result = self.inventory.consume(state.order_id, key)
            touched += result.touched
        restock = [LineRequest(e.sku, warehouse, e.quantity) for e in step.stock if e.action is StockAction.RESTOCK]
        if restock:
            result = self.inventory.restock(state.order_id, key, restock)
            if result.outcome is StockOutcome.REJECTED:
                raise StockRefused(f"return of {state.order_id}: {result.reason}")
            touched += result.touched
        for stock_key in dict.fromkeys(touched):  # units came back: re-arm the alert levels (never a new signal)
            self.inventory.settle_alert(stock_key, self.market.alerts.low_stock_units)
        return True

    def _announce(self, state: OrderState, message: OrderMessage) -> None:
        if self.put_events is not None and (signals := life_signals(state, message)):
            self.put_events([bus_entry(signal, self.bus_name) for signal in signals])

    def _repair(self, state: OrderState) -> None:
        """A duplicate or stale message: make sure what the stored state says was done (a crash after
        the state's write and before the room's money, or a state stored by an earlier delivery)."""
        if state.refunded > 0:
            self.room_orders.record(state)


def _claimed_by_hand_off(record: OrderRecord, state: OrderState) -> OrderState:
    """An order the hand-off has claimed or sent is with the warehouse, whatever the WMS said yet."""
    if record.wms_status is not None and state.stage is Stage.PLACED and not state.cancelled:
        return state.model_copy(update={"stage": Stage.HANDED})
    return state


def life_signals(state: OrderState, message: OrderMessage) -> list[OrderLifeSignal]:
    """What an applied ``message`` announces of the order (``state``: after it). No amounts: the
    ledger reads them from the order record."""
    said = {"order_id": state.order_id, "market": state.market, "event": message_key(message), "at": message.at}
    found: list[OrderLifeSignal] = []
    if isinstance(message, WmsUpdate | ReturnReceived) and state.shipped:
        found.append(OrderShipped.model_validate(said))
    if isinstance(message, ReturnReceived):
        found.append(OrderReturned.model_validate(said))
    if isinstance(message, RefundRequest | CancelRequest) and state.refunded > 0:
        found.append(OrderRefunded.model_validate(said))
    return found
