"""The bus contract: one typed model per EventBridge detail-type, the ``PutEvents`` entry a model
makes, and the parse of a delivered event back into its model.

Every signal on a market bus is a :class:`BusSignal` subclass naming its ``SOURCE`` and
``DETAIL_TYPE`` (the two fields the stack's rules match on), so producers never write a detail
by hand and consumers never pick one apart. The detail's JSON is what each producer has always
written (key order, separators, ASCII escaping per family): the rules' patterns and input
transformers read these exact fields. Consumers read tolerantly: fields they do not know are
dropped (a field added later, or a stray one, never travels further), fields they know are
checked strictly against the JSON (``"3"`` is no count).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, PlainSerializer, StrictInt, ValidationError

# A time as ``datetime.isoformat`` writes it (``+00:00``, not pydantic's ``Z``): the wire's spelling.
IsoTime = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)]
MAX_REASONS = 5  # a bounded error message, however broken the detail


class SignalError(ValueError):
    """A bus event that is no well-formed signal: the reason names the field and the kind of error,
    never a value (``detail.remaining: int_type``)."""


class OtherSignal(SignalError):
    """The event's source / detail-type is not among those asked for: a consumer ignores it."""


class BusSignal(BaseModel):
    """A bus detail-type's detail. Subclasses set ``SOURCE`` and ``DETAIL_TYPE`` (a family's base sets
    ``SOURCE`` only) and, where their producer always did, the JSON options below."""

    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    SOURCE: ClassVar[str]
    DETAIL_TYPE: ClassVar[str]
    ENSURE_ASCII: ClassVar[bool] = True
    COMPACT: ClassVar[bool] = False  # separators without spaces
    OMIT_NONE: ClassVar[bool] = False  # leave out optional fields that are not set

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "DETAIL_TYPE" in cls.__dict__:
            key = (cls.SOURCE, cls.DETAIL_TYPE)
            if _SIGNALS.setdefault(key, cls) is not cls:
                raise TypeError(f"two models for {key}: {_SIGNALS[key].__name__} and {cls.__name__}")

    @classmethod
    def refusal(cls, detail: Mapping[str, Any]) -> str | None:
        """Why a delivered detail is not this signal beyond its fields (None: it is)."""
        return None

    @property
    def detail_type(self) -> str:
        return self.DETAIL_TYPE

    def occurred(self) -> datetime | None:
        """The event's time (the entry's ``Time``); None: when it is put."""
        return None

    def detail(self) -> dict[str, Any]:
        """The detail as JSON values, in the wire's key order."""
        return self.model_dump(mode="json", exclude_none=self.OMIT_NONE)

    def detail_json(self) -> str:
        separators = (",", ":") if self.COMPACT else None
        return json.dumps(self.detail(), ensure_ascii=self.ENSURE_ASCII, separators=separators, allow_nan=False)


class SkuLine(BaseModel):
    """A SKU and a count of its units, as the order and purchase-order signals list them."""

    model_config = ConfigDict(frozen=True)

    sku: str
    quantity: StrictInt


_SIGNALS: dict[tuple[str, str], type[BusSignal]] = {}
S = TypeVar("S", bound=BusSignal)


def signal_types() -> dict[tuple[str, str], type[BusSignal]]:
    """Every model, by (source, detail-type): what the rules may match."""
    return dict(_SIGNALS)


def bus_entry(signal: BusSignal, bus_name: str) -> dict[str, Any]:
    """The ``PutEvents`` entry of a signal for the market bus ``bus_name``."""
    entry: dict[str, Any] = {
        "Source": signal.SOURCE,
        "DetailType": signal.DETAIL_TYPE,
        "Detail": signal.detail_json(),
        "EventBusName": bus_name,
    }
    if (time := signal.occurred()) is not None:
        entry["Time"] = time
    return entry


@dataclass(frozen=True)
class Delivered(Generic[S]):
    """A signal as a rule target gets it: the typed detail and the bus event's id."""

    signal: S
    event_id: str | None

    def require_id(self) -> str:
        """The event id, for consumers idempotent on it (one action per event however often delivered)."""
        if self.event_id is None:
            raise SignalError("id: missing or not an event id")
        return self.event_id


def as_delivered(signal: BusSignal, event_id: str, time: str) -> dict[str, Any]:
    """The event a rule target receives for ``signal`` (what :func:`parse_event` reads)."""
    return {"version": "0", "id": event_id, "detail-type": signal.DETAIL_TYPE, "source": signal.SOURCE,
            "time": time, "resources": [], "detail": json.loads(signal.detail_json())}  # fmt: skip


def _reasons(error: ValidationError) -> str:
    found = error.errors(include_url=False, include_input=False, include_context=False)
    reasons = [".".join(["detail", *map(str, e["loc"])]) + f": {e['type']}" for e in found[:MAX_REASONS]]
    return "; ".join(reasons)


def parse_event(event: Mapping[str, Any] | str | bytes, *expected: type[S]) -> Delivered[S]:
    """The signal an EventBridge event carries, as delivered (``source``, ``detail-type``,
    ``detail``, ``id``) or as the JSON body of an SQS message a rule filled.

    ``expected``: the models (or family bases) the caller takes; any other source / detail-type
    raises :class:`OtherSignal`, a detail its model refuses :class:`SignalError`.
    """
    body = json.loads(event) if isinstance(event, str | bytes) else event
    if not isinstance(body, Mapping):
        raise SignalError("event: not an object")
    source, detail_type = body.get("source"), body.get("detail-type")
    model = _SIGNALS.get((source, detail_type)) if isinstance(source, str) and isinstance(detail_type, str) else None
    if model is None or not issubclass(model, expected or BusSignal):
        wanted = ", ".join(sorted(m.__name__ for m in expected)) or "a known signal"
        raise OtherSignal(f"source / detail-type: not {wanted}")
    detail = body.get("detail")
    if not isinstance(detail, Mapping):
        raise SignalError("detail: not an object")
    if (reason := model.refusal(detail)) is not None:
        raise SignalError(reason)
    try:  # as JSON: strict types, and times as the wire writes them
        signal = model.model_validate_json(json.dumps(detail), strict=True)
    except ValidationError as refused:
        raise SignalError(_reasons(refused)) from None
    event_id = body.get("id")
    valid_id = event_id if isinstance(event_id, str) and 1 <= len(event_id) <= 64 else None
    return Delivered(signal, valid_id)  # type: ignore[arg-type]
