"""The Orders table's item, declared once: the pynamodb model every reader and writer of
:mod:`livebase.stores.orders` goes through.

Attributes (all declared on :class:`OrderRecord`): the order as placed (``event_id`` ..
``lines``), its ``status`` (``placed``, ``rejected``, ``cancelled``, ``refunded``) and the
WMS hand-off's ``wms_status`` (``sending`` → ``sent``, then the WMS's own ``picked`` →
``shipped``, set with the order's state: :meth:`OrderStore.write_state`), ``wms_claimed_at``, ``wms_sent_at``,
``wms_picked_at``, ``wms_shipped_at`` and the ``carrier`` code, and ``expires_at`` (the
table's TTL: placed time plus the market's ``retention.orders_days``; an order names a buyer).
The hand-off timestamps keep the ISO text they had before this store (``datetime.isoformat``),
so a claim written by the earlier code still reads and can be taken over.

The order's life after placement (issue 28) is one more attribute: ``state``, the order's
:class:`~livebase.commerce.order_state.OrderState` as JSON, with ``state_version`` (its ``version``),
written only conditionally on the version read (:meth:`OrderStore.write_state`), so two consumers
deciding messages of one order never overwrite each other. Beside it, for readers that do not parse
the state: ``lifecycle`` (the derived status: placed .. delivered, cancelled, return_requested,
return_received, refunded, rejected), ``refunded`` (money given back), ``fingerprint`` (the order's
content, ``livebase.commerce.conflicts``), ``reason`` (why it was rejected) and ``price_notes`` (what
Livebase's pricing said per line). ``total`` and each line's ``unit_price`` are Livebase's prices, never
the client's, net of tax. Tax and duty (issue 33, ``livebase.tax``): ``net_total``, ``tax_total``,
``duty_total``, ``landed_total`` (what the buyer pays), ``tax_rule`` (the rule that decided) and
``destination`` (the country), and per line ``hs_code``, ``tax``, ``duty`` and ``landed``; absent on
orders taken without a tax table or rejected. ``status`` keeps its meaning for the sales readers:
``placed`` for every order sold (handed, shipped, returned in part ...), ``cancelled``, ``rejected``,
and ``refunded`` once everything paid went back. How a state maps onto these fields:
:mod:`livebase.stores.order_states`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from pynamodb.attributes import (
    Attribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.constants import STRING
from pynamodb.models import Model

from livebase.commerce.order_state import placed_fields
from livebase.live.events import OrderPlaced
from livebase.stores.order_states import PLACED


class IsoDateTimeAttribute(Attribute[datetime]):
    """A timezone-aware datetime stored as ``datetime.isoformat()`` text (round-trips exactly)."""

    attr_type = STRING

    def serialize(self, value: datetime) -> str:
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: hand-off timestamps are UTC")
        return value.isoformat()

    def deserialize(self, value: str) -> datetime:
        return datetime.fromisoformat(value)


class OrderLineAttribute(MapAttribute[str, Any]):
    sku = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_price = UnicodeAttribute()  # decimal as text: no float rounding of money
    hs_code = UnicodeAttribute(null=True)  # tax and duty of the line (issue 33), decimals as text
    tax = UnicodeAttribute(null=True)
    duty = UnicodeAttribute(null=True)
    landed = UnicodeAttribute(null=True)


class OrderRecord(Model):
    """One order. ``viewer_id`` is the pseudonymous id; nothing else about the buyer."""

    class Meta:
        table_name = "unbound-orders"  # replaced by order_model()

    order_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute()
    market = UnicodeAttribute()
    room_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    viewer_id = UnicodeAttribute()
    placed_at = UTCDateTimeAttribute()
    currency = UnicodeAttribute()
    total = UnicodeAttribute()
    lines = ListAttribute(of=OrderLineAttribute)
    status = UnicodeAttribute(default=PLACED)
    wms_status = UnicodeAttribute(null=True)  # WMS_SENDING while claimed, WMS_SENT once handed off
    wms_claimed_at = IsoDateTimeAttribute(null=True)
    wms_sent_at = IsoDateTimeAttribute(null=True)
    wms_picked_at = IsoDateTimeAttribute(null=True)
    wms_shipped_at = IsoDateTimeAttribute(null=True)
    carrier = UnicodeAttribute(null=True)  # the carrier's code, never an address or a tracking URL
    expires_at = TTLAttribute(null=True)  # retention (DynamoDB TTL)
    channel = UnicodeAttribute(null=True)  # attribution: room / share_link / campaign (absent: room)
    campaign = UnicodeAttribute(null=True)
    wms_delivered_at = IsoDateTimeAttribute(null=True)
    # The order's life (issue 28): see the module docstring.
    state = UnicodeAttribute(null=True)  # OrderState as JSON
    state_version = NumberAttribute(null=True)
    lifecycle = UnicodeAttribute(null=True)
    refunded = UnicodeAttribute(null=True)  # decimal as text
    fingerprint = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    price_notes = ListAttribute(of=UnicodeAttribute, null=True)
    # Tax and duty (issue 33, livebase.tax), decimals as text: see the module docstring.
    net_total = UnicodeAttribute(null=True)
    tax_total = UnicodeAttribute(null=True)
    duty_total = UnicodeAttribute(null=True)
    landed_total = UnicodeAttribute(null=True)
    tax_rule = UnicodeAttribute(null=True)
    destination = UnicodeAttribute(null=True)  # the country (ISO alpha-2), never an address


@cache
def order_model(table_name: str, region: str) -> type[OrderRecord]:
    """The order model bound to one market's table and region (cached per pair)."""
    meta = type("Meta", (), {"table_name": table_name, "region": region})
    return type(f"OrderRecord_{region.replace('-', '_')}", (OrderRecord,), {"Meta": meta})


DEFAULT_RETENTION_DAYS = 730  # when no market config says (market config: retention.orders_days)
ERASED_VIEWER = "erased"  # viewer_id of an order whose buyer was erased: the sale stays, the person goes


def order_record(
    model: type[OrderRecord], order: OrderPlaced, status: str = PLACED, retention_days: int = DEFAULT_RETENTION_DAYS
) -> OrderRecord:
    return model(
        **placed_fields(order),  # order_id: the hash key
        event_id=order.event_id,
        total=str(order.total),
        lines=[
            OrderLineAttribute(sku=line.sku, quantity=line.quantity, unit_price=str(line.unit_price))
            for line in order.lines
        ],
        status=status,
        channel=order.channel,
        campaign=order.campaign,
        expires_at=order.ts + timedelta(days=retention_days),
    )
