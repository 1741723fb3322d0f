"""What the outside world tells an order after it is placed: the contracts, one pydantic model each.

Every message names its order, carries its own ``message_id`` (the sender's; a redelivery carries
the same one, which is how :func:`livebase.commerce.lifecycle.transition` recognises it) and the
time ``at`` it happened, in UTC. Times of requests are stamped by Livebase's own edge (the API the
player or ops call), never taken from a client clock. No buyer data travels in any of them: the
buyer is the pseudonymous ``viewer_id``, a warehouse or carrier is a code, a reason is a code.

- :class:`WmsUpdate` (warehouse → Livebase, the ``shipment-updates`` queue): the order was
  ``handed`` to the WMS, ``picked``, ``shipped`` (carrier code), ``delivered``. The wire shape is
  the existing ``shipment_update`` (``livebase.commerce.fulfilment.ShipmentUpdate``) with two more
  statuses, so the WMS sends one message type.
- :class:`CancelRequest` (the viewer's player / API, or ops): cancel before hand-off.
- :class:`ReturnRequested` (the viewer's player / API, or ops): units the buyer sends back.
- :class:`ReturnReceived` (warehouse → Livebase): units that came back, per line how many are
  sellable (restocked) and how many are written off.
- :class:`RefundRequest` (ops, Livebase itself after a received return, or the viewer where the
  market refunds without a return): money back per line, or a total, or "what is due".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from livebase.live.events import (
    Code,
    OrderCancelled,
    OrderId,
    OrderReturnRequested,
    Refund,
    Sku,
    UtcTimestamp,
    ViewerId,
)

MessageId = Annotated[str, Field(min_length=6, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Warehouse = Annotated[str, Field(pattern=r"^WH-[A-Z0-9-]{1,30}$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Units = Annotated[int, Field(ge=0, le=999)]
PositiveMoney = Annotated[Decimal, Field(gt=0, le=10**9, max_digits=14, decimal_places=4, allow_inf_nan=False)]
ReasonCode = Annotated[Code, Field(max_length=48)]
WmsStatus = Literal["handed", "picked", "shipped", "delivered"]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Requester(_Message):
    """Who asks: the buyer (``viewer``), ops (``operator`` code), or Livebase itself (e.g. a presale
    whose goods never came). Ops and Livebase must give the message's ``reason`` (the rules refuse
    them otherwise); a viewer may.

    Whether the caller really is that viewer or an operator is the edge's to prove (the player's
    session, ops' IAM identity); the rules here decide what each of them may ask.
    """

    kind: Literal["viewer", "ops", "livebase"]
    viewer_id: ViewerId | None = None  # kind viewer: the pseudonymous id of whoever asks
    operator: Annotated[Code, Field(max_length=32)] | None = None  # kind ops: the operator's staff code

    @model_validator(mode="after")
    def _identified(self) -> Requester:
        if (self.kind == "viewer") != (self.viewer_id is not None):
            raise ValueError("viewer_id is given exactly when kind is viewer")
        if (self.kind == "ops") != (self.operator is not None):
            raise ValueError("operator is given exactly when kind is ops")
        return self


class WmsUpdate(_Message):
    """A step the warehouse completed; steps may arrive late, twice or out of order."""

    type: Literal["shipment_update"] = "shipment_update"
    update_id: MessageId  # the WMS's id of this step (deduplication)
    order_id: OrderId
    warehouse: Warehouse
    status: WmsStatus
    at: UtcTimestamp  # when the step happened at the warehouse / carrier
    carrier: Annotated[Code, Field(max_length=32)] | None = None  # shipped / delivered: the carrier's code

    @property
    def message_id(self) -> str:
        return self.update_id


class CancelRequest(_Message):
    type: Literal["cancel_requested"] = "cancel_requested"
    message_id: MessageId
    order_id: OrderId
    at: UtcTimestamp
    requested_by: Requester
    reason: ReasonCode | None = None


class ReturnLine(_Message):
    sku: Sku
    quantity: Annotated[int, Field(ge=1, le=999)]


class ReturnRequested(_Message):
    type: Literal["return_requested"] = "return_requested"
    message_id: MessageId
    order_id: OrderId
    at: UtcTimestamp
    requested_by: Requester
    lines: Annotated[tuple[ReturnLine, ...], Field(min_length=1, max_length=50)]
    reason: ReasonCode | None = None


class ReceivedLine(_Message):
    """Units of one SKU back at the warehouse, as inspected."""

    sku: Sku
    sellable: Units = 0  # restocked: sellable again
    written_off: Units = 0  # damaged, used or missing parts: never sold again

    @model_validator(mode="after")
    def _some_units(self) -> ReceivedLine:
        if self.sellable + self.written_off == 0:
            raise ValueError("a received line has at least one unit, sellable or written off")
        return self


class ReturnReceived(_Message):
    type: Literal["return_received"] = "return_received"
    message_id: MessageId  # the warehouse's id of this receipt
    order_id: OrderId
    warehouse: Warehouse
    at: UtcTimestamp
    lines: Annotated[tuple[ReceivedLine, ...], Field(min_length=1, max_length=50)]


class RefundLine(_Message):
    sku: Sku
    amount: PositiveMoney


class RefundRequest(_Message):
    """Money back. ``lines`` (per SKU) or ``amount`` (a total, spread over the lines), or neither:
    what the order's received returns are worth and has not had back yet."""

    type: Literal["refund_requested"] = "refund_requested"
    message_id: MessageId
    order_id: OrderId
    at: UtcTimestamp
    requested_by: Requester
    currency: Currency
    lines: Annotated[tuple[RefundLine, ...], Field(max_length=50)] = ()
    amount: PositiveMoney | None = None
    reason: ReasonCode | None = None

    @model_validator(mode="after")
    def _one_way_to_say_how_much(self) -> RefundRequest:
        if self.lines and self.amount is not None:
            raise ValueError("give lines or amount, not both")
        return self


OrderMessage = Annotated[
    WmsUpdate | CancelRequest | ReturnRequested | ReturnReceived | RefundRequest, Field(discriminator="type")
]
order_message_adapter: TypeAdapter[OrderMessage] = TypeAdapter(OrderMessage)


class _ViewerRequest(TypedDict):
    message_id: str
    order_id: str
    at: UtcTimestamp
    requested_by: Requester


def _by_the_viewer(event: OrderCancelled | Refund | OrderReturnRequested) -> _ViewerRequest:
    """What every request from the live stream has: the event's ids and time, the viewer who sent it."""
    return _ViewerRequest(
        message_id=event.event_id,
        order_id=event.order_id,
        at=event.ts,
        requested_by=Requester(kind="viewer", viewer_id=event.viewer_id),
    )


def cancel_from_live(event: OrderCancelled) -> CancelRequest:
    """The live stream's ``order_cancelled`` (the viewer's player) as a cancel by that viewer."""
    return CancelRequest(
        **_by_the_viewer(event),
        reason=event.reason[:48],
    )


def refund_from_live(event: Refund) -> RefundRequest:
    """The live stream's ``refund`` as the viewer's request for that total (the rules decide)."""
    return RefundRequest(
        **_by_the_viewer(event),
        currency=event.currency,
        amount=event.amount if event.amount > 0 else None,  # 0: what the viewer's received returns are due
    )


def return_from_live(event: OrderReturnRequested) -> ReturnRequested:
    """The live stream's ``return_requested`` (the viewer's player) as that viewer's return request."""
    return ReturnRequested(
        **_by_the_viewer(event),
        lines=tuple(ReturnLine(sku=line.sku, quantity=line.quantity) for line in event.lines),
        reason=event.reason,
    )
