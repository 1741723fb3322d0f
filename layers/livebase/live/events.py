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
# An identifier that *is* a phone number: 9-15 digits (E.164), maybe with separators.
_PHONE_SHAPED = re.compile(r"\+?[\d\s().-]+")
# A phone number inside a name-like identifier (room, session, channel, reason).
_DIGIT_RUN = re.compile(r"(?<!\d)\d{9,15}(?!\d)")
_NO_CONTACT = "looks like an email or phone number; personal data is not accepted here"


def contact_data_in(value: str) -> bool:
    """True when free text carries something that looks like an email address or phone number."""
    return bool(_EMAIL.search(value) or _PHONE.search(value))


def _is_phone_shaped(value: str) -> bool:
    return bool(_PHONE_SHAPED.fullmatch(value)) and 9 <= sum(c.isdigit() for c in value) <= 15


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a time zone (UTC)")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-01:00 and the like
        raise ValueError("timestamp is outside the representable range") from None


def _no_contact_details(value: str) -> str:
    if contact_data_in(value):
        raise ValueError(_NO_CONTACT)
    return value


def _not_a_phone(value: str) -> str:
    if _is_phone_shaped(value):
        raise ValueError(_NO_CONTACT)
    return value


def _no_phone_inside(value: str) -> str:
    if _is_phone_shaped(value) or _DIGIT_RUN.search(value):
        raise ValueError(_NO_CONTACT)
    return value


UtcTimestamp = Annotated[datetime, AfterValidator(_utc)]
# Pseudonymous viewer id: "v_" + hex of a keyed hash (see livebase.markets.residency.pseudonymise).
ViewerId = Annotated[str, Field(pattern=r"^v_[0-9a-f]{16,64}$")]
Sku = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
Money = Annotated[Decimal, Field(ge=0, le=10**9, max_digits=14, decimal_places=4, allow_inf_nan=False)]
SafeText = Annotated[str, Field(max_length=2000), AfterValidator(_no_contact_details)]
# Identifiers: a closed alphabet (no "@", "+" or spaces), and never a phone number.
EventId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"), AfterValidator(_not_a_phone)]
OrderId = Annotated[str, Field(min_length=6, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"), AfterValidator(_not_a_phone)]
NameId = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"), AfterValidator(_no_phone_inside)
]
Code = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$"), AfterValidator(_no_phone_inside)
]


class LiveEvent(BaseModel):
    """Fields every live-room event carries."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    event_id: EventId
    schema_version: Literal[1] = 1
    market: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
    room_id: NameId
    session_id: NameId
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
    channel: Annotated[Code, Field(max_length=32)] = "link"


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
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    sku: Sku
    quantity: Annotated[int, Field(ge=1, le=999)]
    unit_price: Money


class OrderPlaced(LiveEvent):
    type: Literal["order_placed"]
    order_id: OrderId
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    lines: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=50)]

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))


class OrderCancelled(LiveEvent):
    type: Literal["order_cancelled"]
    order_id: OrderId
    reason: Code = "customer_request"


class Refund(LiveEvent):
    type: Literal["refund"]
    order_id: OrderId
    amount: Money
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class EdgeNodeStats(LiveEvent):
    type: Literal["edge_node_stats"]
    edge_location: Annotated[str, Field(pattern=r"^[A-Z]{3}[0-9]{0,3}$")]
    viewers_served: Annotated[int, Field(ge=0, le=10**9)]
    bitrate_kbps: Annotated[float, Field(ge=0, le=10**7)]
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
