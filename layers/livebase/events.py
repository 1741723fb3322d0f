"""Live-room event schemas (version 1): what producers put on a market's Kinesis stream.

Every event names its market, room, session, UTC time and a *pseudonymous* viewer id. Raw
emails, phones or names are refused at the schema, so they never reach a store or a log.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

SCHEMA_VERSION = 1

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a time zone (UTC)")
    return value.astimezone(UTC)


def _no_contact_details(value: str) -> str:
    if _EMAIL.search(value) or _PHONE.search(value):
        raise ValueError("looks like an email or phone number; personal data is not accepted here")
    return value


UtcTimestamp = Annotated[datetime, AfterValidator(_utc)]
# Pseudonymous viewer id: "v_" + hex of a keyed hash (see livebase.residency.pseudonymise).
ViewerId = Annotated[str, Field(pattern=r"^v_[0-9a-f]{16,64}$")]
Sku = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)]
SafeText = Annotated[str, Field(max_length=2000), AfterValidator(_no_contact_details)]


class LiveEvent(BaseModel):
    """Fields every live-room event carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    schema_version: Literal[1] = 1
    market: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
    room_id: Annotated[str, Field(min_length=1, max_length=64)]
    session_id: Annotated[str, Field(min_length=1, max_length=64)]
    ts: UtcTimestamp
    viewer_id: ViewerId


class ViewerJoined(LiveEvent):
    type: Literal["viewer_joined"]


class ViewerLeft(LiveEvent):
    type: Literal["viewer_left"]


class Comment(LiveEvent):
    type: Literal["comment"]
    text: SafeText
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")]


class Like(LiveEvent):
    type: Literal["like"]
    count: Annotated[int, Field(ge=1, le=1000)] = 1


class Share(LiveEvent):
    type: Literal["share"]
    channel: Annotated[str, Field(max_length=32)] = "link"


class ProductShown(LiveEvent):
    type: Literal["product_shown"]
    sku: Sku
    shown_from: UtcTimestamp
    shown_until: UtcTimestamp


class AddToCart(LiveEvent):
    type: Literal["add_to_cart"]
    sku: Sku
    quantity: Annotated[int, Field(ge=1, le=999)]
    unit_price: Money


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: Sku
    quantity: Annotated[int, Field(ge=1, le=999)]
    unit_price: Money


class OrderPlaced(LiveEvent):
    type: Literal["order_placed"]
    order_id: Annotated[str, Field(min_length=6, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    lines: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=50)]

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))


class OrderCancelled(LiveEvent):
    type: Literal["order_cancelled"]
    order_id: Annotated[str, Field(min_length=6, max_length=64)]
    reason: Annotated[str, Field(max_length=64)] = "customer_request"


class Refund(LiveEvent):
    type: Literal["refund"]
    order_id: Annotated[str, Field(min_length=6, max_length=64)]
    amount: Money
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class EdgeNodeStats(LiveEvent):
    type: Literal["edge_node_stats"]
    edge_location: Annotated[str, Field(pattern=r"^[A-Z]{3}[0-9]{0,3}$")]
    viewers_served: Annotated[int, Field(ge=0)]
    bitrate_kbps: Annotated[float, Field(ge=0)]
    cpu: Annotated[float, Field(ge=0, le=1)]
    error_rate: Annotated[float, Field(ge=0, le=1)]


AnyLiveEvent = Annotated[
    ViewerJoined
    | ViewerLeft
    | Comment
    | Like
    | Share
    | ProductShown
    | AddToCart
    | OrderPlaced
    | OrderCancelled
    | Refund
    | EdgeNodeStats,
    Field(discriminator="type"),
]
EVENT_TYPES: tuple[type[LiveEvent], ...] = (
    ViewerJoined, ViewerLeft, Comment, Like, Share, ProductShown, AddToCart, OrderPlaced,
    OrderCancelled, Refund, EdgeNodeStats,
)  # fmt: skip
# What the orders consumer's event-source mapping lets through (its filter on the record's "type").
ORDER_EVENT_TYPES: tuple[str, ...] = ("order_placed", "order_cancelled", "refund")
live_event_adapter: TypeAdapter[AnyLiveEvent] = TypeAdapter(AnyLiveEvent)


def parse_event(raw: bytes | str) -> AnyLiveEvent:
    """Validate one JSON record; raises ``pydantic.ValidationError`` with the exact fault."""
    return live_event_adapter.validate_json(raw)
