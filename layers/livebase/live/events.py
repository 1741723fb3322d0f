"""Live-room event schemas (version 1): what producers put on a market's Kinesis stream.

Every event names its market, room, session, UTC time and a *pseudonymous* viewer id. Raw
emails, phones or names are refused at the schema, so they never reach a store or a log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetPydanticSchema, TypeAdapter
from pydantic_core import core_schema

from livebase.batches.reasons import (  # the contact-data tests (reasons use them too)
    PHONE_FREE_PATTERN,
    contact_data_in,
    phone_in_identifier,
    phone_in_name,
)

SCHEMA_VERSION = 1

_NO_CONTACT = "looks like an email or phone number; personal data is not accepted here"
_NO_PHONE_ID = "looks like a phone number written with separators; identifiers carry no personal data"


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


def _no_phone_in_id(value: str) -> str:
    if phone_in_identifier(value):
        raise ValueError(_NO_PHONE_ID)
    return value


def _no_phone_in_name(value: str) -> str:
    if phone_in_name(value):
        raise ValueError(_NO_PHONE_ID)
    return value


def _phone_free(check: Callable[[str], str]) -> GetPydanticSchema:
    """After an identifier's own pattern: ``PHONE_FREE_PATTERN`` in pydantic-core's regex engine, and only
    for what it does not admit, the Python ``check`` (a phone number written with separators is refused)."""

    def schema(source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        certainly_free = core_schema.str_schema(pattern=PHONE_FREE_PATTERN)
        checked = core_schema.no_info_after_validator_function(check, core_schema.str_schema())
        either = core_schema.union_schema(
            [certainly_free, checked], mode="left_to_right",
            custom_error_type="phone_in_identifier", custom_error_message=_NO_PHONE_ID,
        )  # fmt: skip
        return core_schema.chain_schema([handler(source), either])

    return GetPydanticSchema(schema)


UtcTimestamp = Annotated[datetime, AfterValidator(_utc)]
# Pseudonymous viewer id: "v_" + hex of a keyed hash (livebase.privacy.pseudonyms: the market's HMAC KMS key).
ViewerId = Annotated[str, Field(pattern=r"^v_[0-9a-f]{16,64}$")]
Sku = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$")]
Money = Annotated[Decimal, Field(ge=0, le=10**9, max_digits=14, decimal_places=4, allow_inf_nan=False)]
SafeText = Annotated[str, Field(max_length=2000), AfterValidator(_no_contact_details)]


def _not_a_phone(letters: str, separators: str) -> str:
    """An identifier over ``letters``, digits and ``separators`` that is not a phone number: it has
    a letter, or at most 8 digits, or 16 or more (E.164 numbers have 9 to 15)."""
    chars = f"{letters}0-9{separators}"
    return (
        f"^(?:[0-9{separators}]*[{letters}][{chars}]*"
        f"|[{separators}]*(?:[0-9][{separators}]*){{0,8}}"
        f"|[{separators}]*(?:[0-9][{separators}]*){{16,64}})$"
    )


def _no_phone_inside(letters: str, separators: str) -> str:
    """A name-like identifier that neither is nor carries a phone number: no run of more than 8
    digits, and a letter unless it has at most 8 digits."""
    other = f"{letters}{separators}"
    runs = f"(?:[0-9]{{1,8}}[{other}]+)*[0-9]{{0,8}}"
    return (
        f"^(?:[{separators}]*(?:[0-9]{{1,8}}[{separators}]+)*[0-9]{{0,8}}[{letters}][{other}]*{runs}"
        f"|[{separators}]*(?:[0-9][{separators}]*){{0,8}})$"
    )


# Identifiers: closed alphabets (no "@", "+" or spaces) whose patterns also refuse phone numbers written
# as one run of digits, checked by pydantic-core's regex engine; a phone number written with separators
# ("room-0812-3456-7890") needs digit counts across groups: pydantic-core's engine admits what certainly
# has none (``PHONE_FREE_PATTERN``: the simulator's ids and most others), and only the rest meets the
# Python check (``phone_in_identifier``; remembered for rooms, sessions and codes, which repeat).
# benchmarks/ingest_validation.py measures the cost.
WHOLE_ID_PATTERN = _not_a_phone("A-Za-z", "_-")
NAME_ID_PATTERN = _no_phone_inside("A-Za-z", "_.:-")
CODE_PATTERN = _no_phone_inside("a-z", "_-")
NoPhoneInside, NoPhoneInName = _phone_free(_no_phone_in_id), _phone_free(_no_phone_in_name)
EventId = Annotated[str, Field(min_length=8, max_length=64, pattern=WHOLE_ID_PATTERN), NoPhoneInside]
OrderId = Annotated[str, Field(min_length=6, max_length=64, pattern=WHOLE_ID_PATTERN), NoPhoneInside]
NameId = Annotated[str, Field(min_length=1, max_length=64, pattern=NAME_ID_PATTERN), NoPhoneInName]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN), NoPhoneInName]
MarketId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
# Records from outside: unknown fields refused, immutable once parsed, no NaN or infinity in numbers.
STRICT_RECORD = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class LiveEvent(BaseModel):
    """Fields every live-room event carries."""

    model_config = STRICT_RECORD

    event_id: EventId
    schema_version: Literal[1] = 1
    market: MarketId
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
    model_config = STRICT_RECORD

    sku: Sku
    quantity: Annotated[int, Field(ge=1, le=999)]
    unit_price: Money


class OrderPlaced(LiveEvent):
    type: Literal["order_placed"]
    order_id: OrderId
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    lines: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=50)]
    # Attribution (optional; absent: placed in the room): how the buyer came, for livebase.lifecycle.
    channel: Literal["room", "share_link", "campaign"] | None = None
    campaign: Annotated[Code, Field(max_length=32)] | None = None
    # Where the parcel goes: the country only (ISO 3166-1 alpha-2, never an address); the market's
    # tax and duty rules decide by it (absent: the market's home country).
    destination: CountryCode | None = None

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


class ReturnedLine(BaseModel):
    model_config = STRICT_RECORD

    sku: Sku
    quantity: Annotated[int, Field(ge=1, le=999)]


class OrderReturnRequested(LiveEvent):
    """The buyer asks, from the player, to send units of an order back (the orders consumer decides)."""

    type: Literal["return_requested"]
    order_id: OrderId
    lines: Annotated[tuple[ReturnedLine, ...], Field(min_length=1, max_length=50)]
    reason: Annotated[Code, Field(max_length=48)] = "customer_request"


class ConsentChanged(LiveEvent):
    """The viewer gives or withdraws consent for one purpose, from the player (kept in the market's region)."""

    type: Literal["consent_changed"]
    purpose: Literal["marketing", "personalisation", "analytics"]
    granted: bool


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
    | OrderReturnRequested
    | ConsentChanged
    | EdgeNodeStats,
    Field(discriminator="type"),
]
EVENT_TYPES: tuple[type[LiveEvent], ...] = (
    ViewerJoined, ViewerLeft, Comment, Like, Share, ProductShown, AddToCart, OrderPlaced,
    OrderCancelled, Refund, OrderReturnRequested, ConsentChanged, EdgeNodeStats,
)  # fmt: skip
# What the orders consumer's event-source mapping lets through (its filter on the record's "type").
ORDER_EVENT_TYPES: tuple[str, ...] = ("order_placed", "order_cancelled", "refund", "return_requested")
live_event_adapter: TypeAdapter[AnyLiveEvent] = TypeAdapter(AnyLiveEvent)


def parse_event(raw: bytes | str) -> AnyLiveEvent:
    """Validate one JSON record; raises ``pydantic.ValidationError`` with the exact fault."""
    return live_event_adapter.validate_json(raw)
