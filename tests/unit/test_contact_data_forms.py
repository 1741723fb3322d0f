"""Contact data is found however it is written (issue 31): phone numbers in every market's national and
international forms and e-mail addresses, written with fullwidth characters, zero-width characters
inside, other scripts' digits, or separators. Properties: no identifier the schema admits carries
one, free text that carries one is refused (live events and the public passport's fields), the
reason never quotes it, and no log line shows it."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from livebase.batches.reasons import PHONE_FREE_PATTERN, contact_data_in, describe_error, phone_in_identifier
from livebase.live.events import Code, EventId, NameId, OrderId, parse_event
from livebase.passport.events import parse_event as parse_supply_event
from livebase.privacy.masking import mask_text, masked_logger
from livebase.privacy.normalise import fold

# Each market's usual writing ("9" a digit): sea (id, sg), us, mena, eu.
NATIONAL = (
    "0899-9999-9999", "08999999999", "+62 899 9999 9999", "9999 9999", "+65 9999 9999",
    "(999) 999-9999", "999.999.9999", "+1 999 999 9999", "1-999-999-9999",
    "099 999 9999", "+971 99 999 9999", "+966 99 999 9999",
    "099 99999999", "+49 99 99999999", "09 99 99 99 99", "+33 9 99 99 99 99", "099/9999999",
)  # fmt: skip
# Written inside an identifier (its alphabet's separators), 9 digits or more.
IN_IDENTIFIER = ("0899-9999-9999", "999-999-9999", "1-999-999-9999", "099_999_9999", "099-99999999",
                 "09.99.99.99.99", "62-899-9999-9999", "971_99_999_9999", "0049-99-9999999")  # fmt: skip
DIGIT_SCRIPTS = ("0123456789", "０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "๐๑๒๓๔๕๖๗๘๙")
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\ufeff", "\u200e", "\u2060", "\u00ad")
EMAIL = "alice.tan@example.co"
FULLWIDTH = str.maketrans("@+.", "\uff20\uff0b\uff0e")


@st.composite
def digits_into(draw: st.DrawFn, template: str) -> str:
    return "".join(str(draw(st.integers(0, 9))) if c == "9" else c for c in template)


@st.composite
def disguised(draw: st.DrawFn, text: str) -> str:
    """``text`` in another digit script, with fullwidth "@", "+" and ".", and invisible characters inside."""
    script = draw(st.sampled_from(DIGIT_SCRIPTS))
    if draw(st.booleans()):
        text = text.translate(FULLWIDTH)
    chars = [script[int(c)] if c.isdigit() else c for c in text]
    for _ in range(draw(st.integers(0, 4))):
        chars.insert(draw(st.integers(1, len(chars) - 1)), draw(st.sampled_from(INVISIBLE)))
    return "".join(chars)


phones = st.sampled_from(NATIONAL).flatmap(digits_into)
contacts = st.one_of(phones, st.just(EMAIL)).flatmap(disguised)
id_phones = st.sampled_from(IN_IDENTIFIER).flatmap(digits_into)


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", fold(text))


def _shows(text: str, contact: str) -> bool:
    """Whether ``text`` still shows ``contact`` (its digits in a row, or the address), however written."""
    folded = fold(text)
    if "@" in fold(contact):
        return "alice" in folded and "example" in folded
    return _digits(contact) in re.sub(r"[\s().\-_/+]", "", folded)


@settings(max_examples=300, deadline=None)
@given(contact=contacts)
def test_free_text_with_contact_data_is_refused_however_written(contact: str) -> None:
    assert contact_data_in(f"call me {contact} tonight")


@settings(max_examples=200, deadline=None)
@given(phone=id_phones, prefix=st.sampled_from(["room-", "s_", "ev-", "c-", ""]), suffix=st.sampled_from(["", "-a"]))
def test_no_identifier_the_schema_admits_carries_a_phone_number(phone: str, prefix: str, suffix: str) -> None:
    value = f"{prefix}{phone}{suffix}"
    assert phone_in_identifier(value)
    for kind in (NameId, EventId, OrderId, Code):
        with pytest.raises(ValidationError) as refused:
            TypeAdapter(kind).validate_python(value.lower() if kind is Code else value)
        assert not _shows(describe_error(refused.value), phone)


@settings(max_examples=100, deadline=None)
@given(phone=id_phones, written=st.data())
def test_a_disguised_phone_number_is_no_identifier_either(phone: str, written: st.DataObject) -> None:
    value = "room-" + written.draw(disguised(phone))
    if value.isascii():  # ASCII digits and no invisible character: the plain form, covered above
        return
    for kind in (NameId, EventId, OrderId, Code):
        with pytest.raises(ValidationError):
            TypeAdapter(kind).validate_python(value)


@pytest.mark.parametrize("value", ["ev-sea-room-1-42-00000123", "sea-room-1-20261207", "sea-20261207-1",
                                   "s-2026-12-07-0930", "o-030-4567", "evt-3f2a1c9e-1234-5678-9012-0c1d2e3f4a5b",
                                   "SEA-BATCH-0001-e3", "QC-2026-7781", "CD-551200"])  # fmt: skip
def test_identifiers_with_counters_dates_and_uuids_stay_admitted(value: str) -> None:
    assert not phone_in_identifier(value)
    TypeAdapter(NameId).validate_python(value)


@settings(max_examples=1500, deadline=None)
@given(value=st.text(st.sampled_from("0123456789" * 4 + "-_.:" * 2 + "ab"), min_size=1, max_size=40))
def test_what_the_fast_pattern_admits_carries_no_phone_number(value: str) -> None:
    """pydantic-core's pattern admits only what the full check would too (the rest meets the full check)."""
    if re.fullmatch(PHONE_FREE_PATTERN, value):
        assert not phone_in_identifier(value)


def _comment(text: str) -> str:
    return json.dumps({
        "event_id": "evt-00000001", "type": "comment", "market": "sea", "room_id": "sea-room-1",
        "session_id": "sea-room-1-20261207", "ts": "2026-12-07T10:00:00Z", "viewer_id": "v_00112233445566778899",
        "text": text, "language": "en",
    })  # fmt: skip


def _origin(producer: str) -> dict[str, Any]:
    return {
        "kind": "origin", "batch_id": "SEA-BATCH-0001", "event_id": "SEA-BATCH-0001-e0", "supplier_id": "sup-a-01",
        "occurred_at": "2026-11-20T08:00:00Z", "country": "CN", "site": "Plant 3", "producer": producer,
        "product": "Earbuds",
    }  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(contact=contacts)
def test_a_live_comment_or_a_public_passport_field_with_contact_data_is_refused_and_the_reason_quotes_none(
    contact: str,
) -> None:
    for refuse in (lambda: parse_event(_comment(f"wa {contact}")), lambda: parse_supply_event(_origin(contact))):
        with pytest.raises(ValidationError) as refused:
            refuse()
        reason = describe_error(refused.value)
        assert not _shows(reason, contact) and not contact_data_in(reason)


STREAM = io.StringIO()
LOGGER = masked_logger(service="contact-data-forms", logger_handler=None, stream=STREAM)


@settings(max_examples=200, deadline=None)
@given(contact=contacts)
def test_no_log_line_shows_contact_data(contact: str) -> None:
    assert not _shows(mask_text(f"order refused for {contact}, retry at 2026-12-07 10:30"), contact)
    STREAM.seek(0)
    STREAM.truncate()
    LOGGER.warning(f"refused {contact}", note=f"contact: {contact}", count=3)
    line = json.loads(STREAM.getvalue())
    assert not _shows(line["message"], contact) and not _shows(line["note"], contact)
    assert line["count"] == 3


def test_dates_times_and_figures_in_log_lines_are_left_alone() -> None:
    text = "at 2026-12-07 10:30:00 took 12.5 ms, 1,234 records, shardId-000000000000, version 3.12.1"
    assert mask_text(text) == text


def test_folding_is_for_the_check_only() -> None:
    assert fold("+\u0664\u0669\u200b 30") == "+49 30" and fold("plain ascii") == "plain ascii"
    assert parse_event(_comment("สวัสดีค่ะ ๒ ชิ้น")).text == "สวัสดีค่ะ ๒ ชิ้น"  # type: ignore[union-attr]
    assert datetime(2026, 12, 7, tzinfo=UTC)  # the comment above parsed in the market's own script
