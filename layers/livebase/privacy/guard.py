"""The residency guard at run time: the one check every path that writes outside a market's region calls.

``check_outbound(source, destination, document, what=...)`` screens the exact document about to
leave (:func:`personal_reasons`: pseudonymous viewer ids, personal field names, contact data) and
asks ``livebase.markets.residency.may_send``. Personal data may go only to a market in the same
region that may hold it; anything else raises
:class:`~livebase.markets.residency.ResidencyViolation` naming the path and the reasons (never
the data). :func:`send_guarded` adds "nothing lost": a refused document is kept in the source
market's own quarantine (``keep``, in its region; ``livebase.privacy.refused``) before the error
is raised.

Destinations that are not a market are audiences that may receive aggregates only:
:data:`OFF_REGION` (a Prefect server, its artifacts, a SaaS), :data:`BUS_TARGETS` (what a market
bus fans out to: the ops topic, suppliers, Prefect's API destination) and :data:`FORECAST_JOB`
(a SageMaker job's container, logs and outputs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from livebase.aggregates.screen import PERSONAL_NAMES, VIEWER_ID
from livebase.batches.reasons import phone_in_identifier
from livebase.live.events import NAME_ID_PATTERN, WHOLE_ID_PATTERN
from livebase.markets.config import Market, ResidencyMode
from livebase.markets.residency import ResidencyViolation, may_send
from livebase.privacy.normalise import fold

T = TypeVar("T")
Keeper = Callable[[str, list[str]], str]  # (document text, reasons) -> where it was kept


def audience(id: str, name: str) -> Market:
    """A destination that is no market: no region of ours, aggregates only."""
    return Market.model_construct(
        id=id, name=name, region="none", currency="USD", languages=("en",), time_zone="UTC",
        residency=ResidencyMode.AGGREGATES_ONLY, edge_locations=("none",),
    )  # fmt: skip


OFF_REGION = audience("offregion", "outside every market")
BUS_TARGETS = audience("bus-targets", "a market bus's targets (ops topic, suppliers, Prefect)")
FORECAST_JOB = audience("forecast-job", "a SageMaker forecast job (container, logs, outputs)")

# Shapes that look like a phone number to a digit pattern but are not one: images, timestamps, UUIDs, digests.
_NOT_CONTACT = re.compile(
    r"data:[\w/.+-]+;base64,[A-Za-z0-9+/=]+"  # an embedded image
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|[0-9a-f]{16,}",
    re.IGNORECASE,
)
# Identifiers the live-event schema admits, by the field that carries them: the schema refuses phone
# numbers in them (``livebase.live.events``: the pattern, then ``phone_in_identifier`` for numbers
# written with separators), so a value it admits in its field is an id, not contact data, however many
# digits and dashes it has (``o-030-4567``, ``ev-sea-room-1-42-00000123``).
_WHOLE_ID = re.compile(WHOLE_ID_PATTERN)
_NAME_ID = re.compile(NAME_ID_PATTERN)
SCHEMA_IDS: Mapping[str, re.Pattern[str]] = {
    "order_id": _WHOLE_ID, "event_id": _WHOLE_ID, "update_id": _WHOLE_ID, "message_id": _WHOLE_ID,
    "room_id": _NAME_ID, "session_id": _NAME_ID,
}  # fmt: skip
_CELL = re.compile(r"[|,\t\n]")  # markdown tables, CSV lines: one cell at a time
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
_PHONE = re.compile(  # international (+49 30 1234 5678, 0049...) or national with a trunk 0 (030 1234 5678)
    r"(?<![\w.])(?:(?:\+|00)\d{1,3}[\s().-]*(?:\d[\s().-]?){6,13}\d|\(?0\d{1,4}\)?[\s/-]\d{3,}(?:[\s-]\d{2,})*)(?![\w.])"
)


def as_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document, default=str, sort_keys=True)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        if value[:1] in ("{", "["):  # JSON inside JSON (a bus entry's Detail): its strings one by one
            try:
                return _cleaned(json.loads(value))
            except ValueError:
                pass
        return _NOT_CONTACT.sub("#", fold(value))  # fullwidth, zero-width, other digits: as contact_data_in
    if isinstance(value, Mapping):
        return {fold(str(k)): "#" if _schema_id(str(k), v) else _cleaned(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_cleaned(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _cleaned(str(value))  # a datetime, a Decimal: screened as the text it would be sent as


def _schema_id(field: str, value: Any) -> bool:
    """``value`` is an identifier the event schema admits in ``field`` (set aside like a timestamp)."""
    pattern = SCHEMA_IDS.get(field)
    return (
        pattern is not None and isinstance(value, str) and len(value) <= 64 and bool(pattern.fullmatch(value))
        and not phone_in_identifier(value)
    )  # fmt: skip


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for k, v in value.items() for text in (str(k), *_strings(v))]
    if isinstance(value, list | tuple):
        return [text for v in value for text in _strings(v)]
    return []


def personal_reasons(document: Any) -> list[str]:
    """Why ``document`` looks personal (empty: it does not); the reasons never quote the data.

    Pseudonymous viewer ids and personal field names as ``livebase.aggregates.screen`` knows
    them; e-mail addresses and phone numbers in the document's strings (text that is not JSON: a
    markdown table, a CSV, one cell at a time), with images, timestamps, UUIDs, hex digests and the
    identifiers the event schema admits in their own fields (:data:`SCHEMA_IDS`) set aside first and
    arithmetic ("1000 / (0.15 - 0.30)") not taken for a phone number.
    """
    text = fold(as_text(document))
    value: Any = document
    if isinstance(document, str):
        try:
            value = json.loads(document)
        except ValueError:
            cells = _CELL.split(_NOT_CONTACT.sub("#", document))
            value = [cell.strip() for cell in cells if cell.strip()]
    reasons = []
    if VIEWER_ID.search(text):
        reasons.append("a pseudonymous viewer id")
    if match := PERSONAL_NAMES.search(text):
        reasons.append(f"a field named {match.group(1)!r}")
    if any(_EMAIL.search(t) or _PHONE.search(t) for t in _strings(_cleaned(value))):
        reasons.append("something shaped like an email address or phone number")
    return reasons


def check_outbound(source: Market, destination: Market, document: Any, *, what: str) -> None:
    """Raise ResidencyViolation when ``document`` carries personal data ``destination`` may not receive."""
    reasons = personal_reasons(document)
    if not may_send(source, destination, personal=bool(reasons)):
        raise ResidencyViolation(
            f"{what} of market {source.id!r} to {destination.id!r} ({destination.region}) refused: {'; '.join(reasons)}"
        )


def send_guarded(
    source: Market,
    destination: Market,
    document: Any,
    send: Callable[[Any], T],
    keep: Keeper | None,
    *,
    what: str,
) -> T:
    """``send(document)`` when the guard allows it; else ``keep(text, reasons)`` in the source region
    (its return: where it was kept) and raise ResidencyViolation saying where.

    ``keep=None`` only where the caller keeps what fails itself (an SQS consumer's DLQ holds the
    message that produced the document)."""
    refuse_any(source, destination, [document], keep, what=what)
    return send(document)


def refuse_any(
    source: Market, destination: Market, documents: Iterable[Any], keep: Keeper | None, *, what: str
) -> None:
    """Screen every document before any is sent: all pass, or the refused ones are kept and the
    first refusal is raised (so nothing of a batch goes half-sent)."""
    refusals: list[str] = []
    for document in documents:
        try:
            check_outbound(source, destination, document, what=what)
        except ResidencyViolation as refused:
            where = keep(as_text(document), personal_reasons(document)) if keep is not None else None
            refusals.append(f"{refused}; kept in {source.region} at {where}" if where else str(refused))
    if refusals:
        more = f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else ""
        raise ResidencyViolation(refusals[0] + more)
