"""How an order's :class:`~livebase.commerce.order_state.OrderState` maps onto the Orders table's fields.

Pure: :class:`livebase.stores.orders.OrderStore` reads and writes, this says which attribute holds
what. The state is kept whole as JSON (``state``, ``state_version``); the other fields repeat what
readers that never parse it need (sales, hand-off, reports). An order stored before issue 28 has no
``state``: :func:`state_of` derives one from its fields, so its later messages are decided like any
other's (and the first write stores it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from livebase.commerce.messages import OrderMessage, WmsUpdate
from livebase.commerce.order_state import LineState, OrderState, Stage

if TYPE_CHECKING:
    from livebase.stores.order_table import OrderRecord

PLACED, REJECTED, CANCELLED, REFUNDED = "placed", "rejected", "cancelled", "refunded"
WMS_SENDING, WMS_SENT, WMS_PICKED, WMS_SHIPPED = "sending", "sent", "picked", "shipped"
# The fulfilment states in their order: a confirmation only ever moves an order forward.
WMS_ORDER = (WMS_SENDING, WMS_SENT, WMS_PICKED, WMS_SHIPPED)
# What the record of an order stored before issue 28 says about how far it got.
_STAGE_OF_WMS = {WMS_SENT: Stage.HANDED, WMS_PICKED: Stage.PICKED, WMS_SHIPPED: Stage.SHIPPED}
LEGACY_REJECTION = "rejected at placement (before its reason was kept)"


@dataclass(frozen=True)
class Decided:
    """What placement decided besides the state: Livebase's price per SKU, the order's total at those
    prices, its content's fingerprint and the pricing's notes per line."""

    unit_prices: Mapping[str, Decimal]
    total: Decimal
    fingerprint: str
    notes: tuple[str, ...] = field(default=())


def coarse_status(state: OrderState) -> str:
    """``status`` as the sales readers know it: placed (sold), rejected, cancelled, refunded (all of it)."""
    if state.rejected:
        return REJECTED
    if state.cancelled:
        return CANCELLED
    if state.paid > 0 and state.refunded >= state.paid:
        return REFUNDED
    return PLACED


def state_fields(state: OrderState) -> dict[str, Any]:
    """The attributes every state write sets."""
    return {
        "state": state.model_dump_json(), "state_version": state.version, "lifecycle": state.status.value,
        "status": coarse_status(state), "refunded": str(state.refunded),
    }  # fmt: skip


def opening_fields(state: OrderState, decided: Decided) -> dict[str, Any]:
    """The attributes of an order as placement decided it (besides the order as placed)."""
    return {
        **state_fields(state), "total": str(decided.total), "fingerprint": decided.fingerprint,
        "reason": state.rejection or None, "price_notes": list(decided.notes) or None,
    }  # fmt: skip


def fulfilment_fields(record: OrderRecord, message: OrderMessage | None) -> dict[str, Any]:
    """What an applied warehouse step sets besides the state: ``wms_status`` (never moved back), its
    time and the carrier (the hand-off report and the WMS hand-off read these)."""
    if not isinstance(message, WmsUpdate):
        return {}
    fields: dict[str, Any] = {"carrier": message.carrier} if message.carrier else {}
    current = WMS_ORDER.index(record.wms_status) if record.wms_status in WMS_ORDER else -1
    if message.status == "handed":
        step, stamp = WMS_SENT, "wms_sent_at"
    elif message.status == "picked":
        step, stamp = WMS_PICKED, "wms_picked_at"
    else:  # shipped, or delivered (which implies it)
        step, stamp = WMS_SHIPPED, "wms_shipped_at"
        if message.status == "delivered":
            fields["wms_delivered_at"] = message.at
    if WMS_ORDER.index(step) > current:
        fields["wms_status"] = step
        if getattr(record, stamp) is None:
            fields[stamp] = message.at
    return fields


def state_of(record: OrderRecord) -> OrderState:
    """The order's state: stored, or derived from the fields of an order stored before issue 28."""
    if record.state:
        return OrderState.model_validate_json(record.state)
    quantities: dict[str, tuple[int, Decimal]] = {}
    for line in record.lines:
        quantity, _ = quantities.get(line.sku, (0, Decimal(line.unit_price)))
        quantities[line.sku] = (quantity + int(line.quantity), Decimal(line.unit_price))
    given_back = record.status in (CANCELLED, REFUNDED)  # the earlier code released stock on both
    lines = tuple(
        LineState(sku=sku, quantity=q, unit_price=price, refunded=price * q if given_back else Decimal(0))
        for sku, (q, price) in quantities.items()
    )
    return OrderState(
        order_id=record.order_id, market=record.market, currency=record.currency, viewer_id=record.viewer_id,
        room_id=record.room_id, session_id=record.session_id, placed_at=record.placed_at, lines=lines,
        stage=_STAGE_OF_WMS.get(record.wms_status or "", Stage.PLACED), cancelled=given_back,
        rejection=LEGACY_REJECTION if record.status == REJECTED else "",
    )  # fmt: skip
