"""The order as a state machine: one pure function decides what each message does to an order.

::

    placed → handed → picked → shipped → delivered      (the warehouse; only ever forward)
    placed → cancelled                                  (viewer or ops, only before hand-off)
    handed … delivered → return requested → return received (restocked / written off) → refunded
    refund without a return, where the market allows it; rejected at placement: nothing moves

:func:`transition` returns the new state, what the stock must do per line, what money goes back
per line, or a refusal with its reason. It never raises for a business refusal, reads no clock
(``now`` is passed in) and touches no store: the orders consumer applies the effects in one
conditional write on the state's ``version``.

- Idempotent: a message already decided (same type and ``message_id``) is a ``duplicate``; the
  second delivery changes nothing and reports the first decision.
- Out of order: warehouse steps only move forward. ``shipped`` before ``picked`` moves on; a late
  ``picked`` is ``stale`` (nothing changes, not an error); ``delivered`` (or a received return)
  before ``shipped`` implies the shipment and consumes the reservation, exactly once.
- Stock: a cancel releases the reservation; the shipment consumes it (on hand goes down); a
  received return restocks only its sellable units; a refund never creates stock.
- Money: a cancel gives back everything paid; refunds are bounded per line by what was paid and
  not yet given back; beyond what received returns are worth only where the market refunds
  without a return.
- Who: a cancel or return only from the order's own viewer, or ops / Livebase with a reason.

Reasons name fields, rules and amounts, never the buyer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from livebase.commerce.messages import (
    CancelRequest,
    OrderMessage,
    RefundRequest,
    Requester,
    ReturnReceived,
    ReturnRequested,
    WmsUpdate,
)
from livebase.commerce.order_state import STAGES, Decision, LineState, OrderState, Outcome, Stage
from livebase.markets.commerce_rules import CommerceRules

CLOCK_SKEW = timedelta(minutes=15)  # a message dated later than now + this is refused (as admission does)
Units = TypeVar("Units", int, Decimal)  # what lines of one SKU add up: units or money
REFUSALS_KEPT = 20  # refusals a state remembers (the oldest go first); every applied message is kept
# Requests of one kind (returns, refunds) an order takes: bounds the state's size against a client
# asking back one unit or one cent at a time (50: one per line of the largest order).
REQUESTS_PER_ORDER = 50


class StockAction(StrEnum):
    RELEASE = "release"  # reserved → available (a cancel before hand-off)
    CONSUME = "consume"  # reserved → gone (shipped: on hand goes down)
    RESTOCK = "restock"  # a returned unit the warehouse received as sellable → available


@dataclass(frozen=True)
class StockEffect:
    sku: str
    action: StockAction
    quantity: int


@dataclass(frozen=True)
class RefundEffect:
    sku: str
    amount: Decimal


@dataclass(frozen=True)
class Transition:
    """What one message did, and the state after it.

    ``write``: the state changed (applied, or a refusal kept) and must be stored, conditional on the
    version it was read at (``state.version - 1``), together with the stock and money effects.
    """

    outcome: Outcome
    state: OrderState
    reason: str = ""
    stock: tuple[StockEffect, ...] = ()
    refunds: tuple[RefundEffect, ...] = ()
    write: bool = False

    @property
    def refund_total(self) -> Decimal:
        return sum((r.amount for r in self.refunds), Decimal(0))


def message_key(message: OrderMessage) -> str:
    """How a message is recognised again: its type and the sender's id."""
    return f"{message.type}:{message.message_id}"


def transition(state: OrderState, message: OrderMessage, rules: CommerceRules, now: datetime) -> Transition:
    """Decide one message against one order; pure, deterministic for the same inputs."""
    key = message_key(message)
    earlier = state.decision(key)
    if earlier is not None:
        said = f": {earlier.reason}" if earlier.reason else ""
        return Transition(Outcome.DUPLICATE, state, f"{key} was {earlier.outcome.value} before{said}")
    if message.order_id != state.order_id:  # the caller's mistake, not this order's news: nothing kept
        return Transition(Outcome.REFUSED, state, "order_id: the message is about another order")
    if message.at > now + CLOCK_SKEW:
        minutes = int(CLOCK_SKEW.total_seconds() // 60)
        return _refused(state, key, now, f"at: dated more than {minutes} minutes after the time it was decided")
    if state.rejected:
        return _refused(state, key, now, "order: rejected at placement; nothing was reserved or paid")
    if isinstance(message, ReturnRequested | RefundRequest) and _applied_of(state, message.type) >= REQUESTS_PER_ORDER:
        return _refused(state, key, now, f"{message.type}: an order takes at most {REQUESTS_PER_ORDER} of them")
    if isinstance(message, WmsUpdate):
        return _warehouse_step(state, message, key, now)
    if isinstance(message, CancelRequest):
        return _cancel(state, message, key, now)
    if isinstance(message, ReturnRequested):
        return _return_requested(state, message, rules, key, now)
    if isinstance(message, ReturnReceived):
        return _return_received(state, message, key, now)
    return _refund(state, message, rules, key, now)


def replay(
    state: OrderState, messages: Iterable[OrderMessage], rules: CommerceRules, now: datetime
) -> tuple[OrderState, tuple[Transition, ...]]:
    """Every message in turn; the last state and each transition (for tests, audits and replays)."""
    done: list[Transition] = []
    for message in messages:
        step = transition(state, message, rules, now)
        state = step.state
        done.append(step)
    return state, tuple(done)


# ---- each message --------------------------------------------------------------------------------
def _warehouse_step(state: OrderState, update: WmsUpdate, key: str, now: datetime) -> Transition:
    target = Stage(update.status)
    if state.cancelled:
        return _refused(
            state, key, now, f"status: the order was cancelled before hand-off, yet the warehouse says {target}"
        )
    if STAGES.index(target) <= STAGES.index(state.stage):
        return Transition(Outcome.STALE, state, f"status: the order is {state.stage} already; {target} is late")
    stock = () if state.shipped or STAGES.index(target) < STAGES.index(Stage.SHIPPED) else _consume(state)
    delivered_at = update.at if target is Stage.DELIVERED else state.delivered_at
    return _applied(state, key, now, stock=stock, stage=target, delivered_at=delivered_at)


def _cancel(state: OrderState, cancel: CancelRequest, key: str, now: datetime) -> Transition:
    refusal = _not_allowed(state, cancel.requested_by, cancel.reason, "cancel")
    if refusal:
        return _refused(state, key, now, refusal)
    if state.cancelled:
        return Transition(Outcome.STALE, state, "order: cancelled already")
    if state.stage is not Stage.PLACED:
        return _refused(
            state, key, now, f"stage: the order is {state.stage}; a cancel is possible only before hand-off"
        )
    stock = tuple(StockEffect(line.sku, StockAction.RELEASE, line.quantity) for line in state.lines)
    refunds = tuple(RefundEffect(line.sku, line.refundable) for line in state.lines if line.refundable > 0)
    lines = tuple(line.model_copy(update={"refunded": line.paid}) for line in state.lines)
    return _applied(state, key, now, stock=stock, refunds=refunds, lines=lines, cancelled=True)


def _return_requested(
    state: OrderState, request: ReturnRequested, rules: CommerceRules, key: str, now: datetime
) -> Transition:
    refusal = _not_allowed(state, request.requested_by, request.reason, "return")
    if refusal or state.cancelled:
        return _refused(state, key, now, refusal or "order: cancelled before hand-off; nothing was shipped")
    if state.stage is Stage.PLACED:
        return _refused(state, key, now, "stage: the order is placed, not handed on; cancel it instead")
    closed = _window_closed(state, request.at, rules)
    if closed:
        return _refused(state, key, now, closed)
    asked = _per_sku((line.sku, line.quantity) for line in request.lines)
    lines = list(state.lines)
    for sku, (index, units) in asked.items():
        position = _position(state, sku)
        if position is None:
            return _refused(state, key, now, f"lines[{index}].sku: {sku} is not in this order")
        line = lines[position]
        left = line.quantity - line.return_requested
        if units > left:
            return _refused(state, key, now, f"lines[{index}].quantity: {units} of {sku} asked back, {left} left")
        lines[position] = line.model_copy(update={"return_requested": line.return_requested + units})
    return _applied(state, key, now, lines=tuple(lines))


def _return_received(state: OrderState, receipt: ReturnReceived, key: str, now: datetime) -> Transition:
    if state.cancelled:
        return _refused(state, key, now, "order: cancelled before hand-off; nothing was shipped to come back")
    counted: dict[str, tuple[int, int, int]] = {}  # sku -> (first index, sellable, written off)
    for index, received in enumerate(receipt.lines):
        first, sellable, written_off = counted.get(received.sku, (index, 0, 0))
        counted[received.sku] = (first, sellable + received.sellable, written_off + received.written_off)
    lines = list(state.lines)
    restock: list[StockEffect] = []
    for sku, (index, sellable, written_off) in counted.items():
        position = _position(state, sku)
        if position is None:
            return _refused(state, key, now, f"lines[{index}].sku: {sku} is not in this order")
        line = lines[position]
        left = line.quantity - line.received
        if sellable + written_off > left:
            reason = f"lines[{index}]: {sellable + written_off} of {sku} received back, {left} could still come back"
            return _refused(state, key, now, reason)
        lines[position] = line.model_copy(
            update={"restocked": line.restocked + sellable, "written_off": line.written_off + written_off}
        )
        if sellable:
            restock.append(StockEffect(sku, StockAction.RESTOCK, sellable))
    stage = state.stage if state.shipped else Stage.SHIPPED  # the goods came back: they had left
    stock = (*(() if state.shipped else _consume(state)), *restock)
    return _applied(state, key, now, stock=stock, lines=tuple(lines), stage=stage)


def _refund(state: OrderState, refund: RefundRequest, rules: CommerceRules, key: str, now: datetime) -> Transition:
    who = refund.requested_by
    refusal = "" if who.kind == "viewer" else _not_allowed(state, who, refund.reason, "refund")
    if who.kind == "viewer" and who.viewer_id != state.viewer_id:
        refusal = "requested_by: only the order's own viewer, or ops with a reason, may ask for its refund"
    if not refusal and refund.currency != state.currency:
        refusal = f"currency: the order was paid in {state.currency}, not {refund.currency}"
    if refusal:
        return _refused(state, key, now, refusal)
    amounts, refusal = _refund_amounts(state, refund)
    if refusal:
        return _refused(state, key, now, refusal)
    beyond = sorted(sku for sku, amount in amounts.items() if amount > _line(state, sku).due_for_returns)
    if beyond:
        refusal = _refund_beyond_returns(state, refund, rules, beyond)
        if refusal:
            return _refused(state, key, now, refusal)
    lines = tuple(
        line.model_copy(update={"refunded": line.refunded + amounts[line.sku]}) if line.sku in amounts else line
        for line in state.lines
    )
    refunds = tuple(RefundEffect(sku, amount) for sku, amount in amounts.items())
    return _applied(state, key, now, refunds=refunds, lines=lines)


# ---- the rules -----------------------------------------------------------------------------------
def _not_allowed(state: OrderState, who: Requester, reason: str | None, action: str) -> str:
    """Why this requester may not ``action`` this order; empty when they may."""
    if who.kind == "viewer":
        if who.viewer_id == state.viewer_id:
            return ""
        return f"requested_by: only the order's own viewer, or ops with a reason, may {action} it"
    if not reason:
        return f"reason: {who.kind} must give a reason to {action} an order"
    return ""


def _window_closed(state: OrderState, at: datetime, rules: CommerceRules) -> str:
    if state.delivered_at is None:
        return ""  # not delivered yet (or not known to be): the window has not started
    closes = state.delivered_at + timedelta(days=rules.return_window_days)
    if at <= closes:
        return ""
    return f"at: this market's {rules.return_window_days}-day return window closed on {closes.date().isoformat()}"


def _refund_amounts(state: OrderState, refund: RefundRequest) -> tuple[dict[str, Decimal], str]:
    """Per SKU, what the request asks back (each within what the line may give back), or why not."""
    amounts: dict[str, Decimal] = {}
    if refund.lines:
        for sku, (index, amount) in _per_sku((line.sku, line.amount) for line in refund.lines).items():
            line = state.line(sku)
            if line is None:
                return {}, f"lines[{index}].sku: {sku} is not in this order"
            if amount > line.refundable:
                return {}, f"lines[{index}].amount: {amount} asked, {sku} may give back at most {line.refundable}"
            amounts[sku] = amount
        return amounts, ""
    if refund.amount is not None:
        return _spread(state, refund.amount)
    amounts = {line.sku: line.due_for_returns for line in state.lines if line.due_for_returns > 0}
    if not amounts:
        return {}, "amount: nothing is due; no received return is waiting for its refund"
    return amounts, ""


def _spread(state: OrderState, total: Decimal) -> tuple[dict[str, Decimal], str]:
    """A total over the lines: first what their received returns are worth, then the rest, in line order."""
    bound = sum((line.refundable for line in state.lines), Decimal(0))
    if total > bound:
        return {}, f"amount: {total} asked, the order may give back at most {bound}"
    amounts: dict[str, Decimal] = {}
    left = total
    for worth in (lambda line: line.due_for_returns, lambda line: line.refundable):
        for line in state.lines:
            take = min(left, worth(line) - amounts.get(line.sku, Decimal(0)))
            if take > 0:
                amounts[line.sku] = amounts.get(line.sku, Decimal(0)) + take
                left -= take
    return amounts, ""


def _refund_beyond_returns(state: OrderState, refund: RefundRequest, rules: CommerceRules, skus: list[str]) -> str:
    """Money beyond what received returns are worth: only where the market allows it, never by Livebase alone."""
    said = f"{', '.join(skus)}: more than the received returns are worth"
    if refund.requested_by.kind == "livebase":
        return f"lines: {said}; Livebase alone refunds only received returns"
    if not rules.refund_without_return:
        return f"lines: {said}; this market refunds only returned goods (commerce.refund_without_return)"
    if refund.requested_by.kind == "viewer":
        if not state.shipped:
            return f"stage: the order is {state.stage}; a viewer asks for a refund once it has shipped"
        return _window_closed(state, refund.at, rules)
    return ""


# ---- building the result ---------------------------------------------------------------------------
def _applied(
    state: OrderState,
    key: str,
    now: datetime,
    *,
    stock: Sequence[StockEffect] = (),
    refunds: Sequence[RefundEffect] = (),
    **changes: object,
) -> Transition:
    decided = Decision(key=key, outcome=Outcome.APPLIED, decided_at=now)
    update = {**changes, "decisions": (*state.decisions, decided), "version": state.version + 1}
    return Transition(Outcome.APPLIED, state.model_copy(update=update), "", tuple(stock), tuple(refunds), True)


def _refused(state: OrderState, key: str, now: datetime, reason: str) -> Transition:
    """Nothing moves; the refusal is kept with its reason (the oldest refusals beyond the cap go)."""
    decisions = list(state.decisions)
    refusals = [d for d in decisions if d.outcome is Outcome.REFUSED]
    for oldest in refusals[: max(0, len(refusals) - REFUSALS_KEPT + 1)]:
        decisions.remove(oldest)
    decisions.append(Decision(key=key, outcome=Outcome.REFUSED, reason=reason, decided_at=now))
    kept = state.model_copy(update={"decisions": tuple(decisions), "version": state.version + 1})
    return Transition(Outcome.REFUSED, kept, reason, write=True)


def _applied_of(state: OrderState, message_type: str) -> int:
    prefix = f"{message_type}:"
    return sum(1 for d in state.decisions if d.outcome is Outcome.APPLIED and d.key.startswith(prefix))


def _consume(state: OrderState) -> tuple[StockEffect, ...]:
    return tuple(StockEffect(line.sku, StockAction.CONSUME, line.quantity) for line in state.lines)


def _position(state: OrderState, sku: str) -> int | None:
    return next((i for i, line in enumerate(state.lines) if line.sku == sku), None)


def _line(state: OrderState, sku: str) -> LineState:
    line = state.line(sku)
    assert line is not None, sku
    return line


def _per_sku(pairs: Iterable[tuple[str, Units]]) -> dict[str, tuple[int, Units]]:
    """Lines of one SKU merged: (index of its first line, their sum)."""
    merged: dict[str, tuple[int, Units]] = {}
    for index, (sku, value) in enumerate(pairs):
        if sku in merged:
            first, total = merged[sku]
            merged[sku] = (first, total + value)
        else:
            merged[sku] = (index, value)
    return merged
