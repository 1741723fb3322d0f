"""An order after placement, as the lifecycle sees it: per-line units and money, and what was decided.

The state is plain data (a frozen pydantic model, so the store keeps it as one JSON document and
reads it back exactly) and everything it says is derived from counters that only grow: how far the
warehouse got (``stage``), units returned asked / received per line, money refunded per line, and
the messages already decided. Its ``status`` is computed from them, never stored on its own, so
two deliveries of the same messages in any order give the same status.

Lines are per SKU: an order's lines of one SKU are merged at placement (Livebase prices every
unit of a SKU in an order the same, ``livebase.commerce.pricing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from livebase.live.events import OrderPlaced


class Stage(StrEnum):
    """How far the warehouse got; only ever moves forward."""

    PLACED = "placed"
    HANDED = "handed"  # handed to the WMS: too late to cancel
    PICKED = "picked"
    SHIPPED = "shipped"  # the reservation is consumed: on hand went down
    DELIVERED = "delivered"  # the return window starts


STAGES: tuple[Stage, ...] = tuple(Stage)


class OrderStatus(StrEnum):
    PLACED = "placed"
    HANDED = "handed"
    PICKED = "picked"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURN_REQUESTED = "return_requested"
    RETURN_RECEIVED = "return_received"  # inspected; its refund is still due
    REFUNDED = "refunded"
    REJECTED = "rejected"


class Outcome(StrEnum):
    APPLIED = "applied"  # the order moved (state, stock or money changed)
    DUPLICATE = "duplicate"  # this message id was decided before: nothing changed
    STALE = "stale"  # late or repeated news (picked after shipped, a second cancel): nothing changed
    REFUSED = "refused"  # against the rules: nothing changed but the refusal, kept with its reason


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LineState(_Frozen):
    sku: str
    quantity: Annotated[int, Field(ge=1)]
    unit_price: Annotated[Decimal, Field(ge=0)]  # Livebase's price, never the client's
    return_requested: Annotated[int, Field(ge=0)] = 0
    restocked: Annotated[int, Field(ge=0)] = 0  # received back sellable
    written_off: Annotated[int, Field(ge=0)] = 0  # received back unsellable
    refunded: Annotated[Decimal, Field(ge=0)] = Decimal(0)

    @property
    def paid(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def refundable(self) -> Decimal:
        """What the line may still give back: paid, less what it already gave back."""
        return self.paid - self.refunded

    @property
    def received(self) -> int:
        return self.restocked + self.written_off

    @property
    def due_for_returns(self) -> Decimal:
        """What its received units are worth, less what the line already gave back (never negative)."""
        return max(Decimal(0), self.unit_price * self.received - self.refunded)


class Decision(_Frozen):
    """One message decided: applied or refused (with why). Kept so a redelivery is recognised."""

    key: str  # "<type>:<message_id>"
    outcome: Outcome
    reason: str = ""
    decided_at: datetime


class OrderState(_Frozen):
    """One order after placement. ``version`` grows with every change: the store writes on it."""

    order_id: str
    market: str
    currency: str
    viewer_id: str  # pseudonymous; who may cancel or return
    room_id: str
    session_id: str
    placed_at: datetime
    lines: tuple[LineState, ...]
    stage: Stage = Stage.PLACED
    delivered_at: datetime | None = None
    cancelled: bool = False
    rejection: str = ""  # not empty: rejected at placement, with this reason (nothing reserved or paid)
    decisions: tuple[Decision, ...] = ()
    version: int = 0

    @property
    def rejected(self) -> bool:
        return bool(self.rejection)

    @property
    def shipped(self) -> bool:
        return STAGES.index(self.stage) >= STAGES.index(Stage.SHIPPED)

    @property
    def paid(self) -> Decimal:
        return Decimal(0) if self.rejected else sum((line.paid for line in self.lines), Decimal(0))

    @property
    def refunded(self) -> Decimal:
        return sum((line.refunded for line in self.lines), Decimal(0))

    @property
    def status(self) -> OrderStatus:
        """Derived from the counters, so the same messages in any order give the same status."""
        if self.rejected:
            return OrderStatus.REJECTED
        if self.cancelled:
            return OrderStatus.CANCELLED
        if any(line.return_requested > line.received for line in self.lines):
            return OrderStatus.RETURN_REQUESTED
        if any(line.due_for_returns > 0 for line in self.lines):
            return OrderStatus.RETURN_RECEIVED
        if self.refunded > 0:
            return OrderStatus.REFUNDED
        return OrderStatus(self.stage.value)

    def line(self, sku: str) -> LineState | None:
        return next((line for line in self.lines if line.sku == sku), None)

    def decision(self, key: str) -> Decision | None:
        return next((d for d in self.decisions if d.key == key), None)


def open_order(order: OrderPlaced, unit_prices: Mapping[str, Decimal]) -> OrderState:
    """The state of an order whose stock was reserved, at Livebase's prices (one per SKU)."""
    quantities: dict[str, int] = {}
    for placed in order.lines:
        quantities[placed.sku] = quantities.get(placed.sku, 0) + placed.quantity
    missing = sorted(set(quantities) - set(unit_prices))
    if missing:
        raise ValueError(f"no Livebase price for {missing}: price the order before opening it")
    lines = tuple(LineState(sku=sku, quantity=q, unit_price=unit_prices[sku]) for sku, q in quantities.items())
    return _state(order, lines)


def rejected_order(order: OrderPlaced, reason: str) -> OrderState:
    """The state of an order refused at placement (price, limit, stock, conflict): nothing paid."""
    if not reason:
        raise ValueError("a rejected order keeps its reason")
    quantities: dict[str, int] = {}
    for placed in order.lines:
        quantities[placed.sku] = quantities.get(placed.sku, 0) + placed.quantity
    lines = tuple(LineState(sku=sku, quantity=q, unit_price=Decimal(0)) for sku, q in quantities.items())
    return _state(order, lines).model_copy(update={"rejection": reason})


def placed_fields(order: OrderPlaced) -> dict[str, Any]:
    """What every record of an order keeps as it was placed, never changed after: its state here, its
    stored record (``livebase.stores.order_table.order_record``). The order, its market, currency, buyer
    (pseudonymous), room, session and time."""
    return {
        "order_id": order.order_id,
        "market": order.market,
        "currency": order.currency,
        "viewer_id": order.viewer_id,
        "room_id": order.room_id,
        "session_id": order.session_id,
        "placed_at": order.ts,
    }


def _state(order: OrderPlaced, lines: tuple[LineState, ...]) -> OrderState:
    return OrderState(**placed_fields(order), lines=lines)
