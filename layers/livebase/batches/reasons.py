"""One decision per record or message, and reasons that are safe to log and to dead-letter.

A consumer admits what it receives (:class:`Admitted`) or refuses it (:class:`Refused`) with a
reason built by :func:`describe_error`: field paths and error kinds, never the input values, and
bounded in length, so a reason always fits a dead-letter message and never carries personal data.
:func:`contact_data_in` is the one test for contact data the schemas refuse and reasons avoid; it
looks at the text as ``livebase.privacy.normalise.fold`` gives it (fullwidth forms, zero-width
characters, other scripts' digits), so contact data is found however it is written.
:func:`phone_in_identifier` is the identifiers' test: a phone number written with separators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from pydantic import ValidationError

from livebase.privacy.normalise import fold

T = TypeVar("T")

MAX_REASONS = 5
MAX_REASON_CHARS = 600

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
# Digits with spaces, dashes, parentheses, slashes or underscores; dotted only as 415.555.0134 is (not
# as a price: 1.299.000).
_PHONE = re.compile(r"\+?\d[\d\s()_/-]{7,}\d|\d{2,4}\.\d{3,4}\.\d{4}")
# A phone number written with separators inside an identifier: 9 or more digits (E.164 numbers have
# 9 to 15 with their country code) in a run of digit groups of at most 5 joined by separators, the
# whole run ("0812_3456_7890", "1-415-555-0134"), or a trunk or international prefix (an area code
# may follow) then the subscriber number ("030-12345678", "0049.301234", "0049-30-1234567"). Not: a
# counter after a room number ("1-42-00000123": a group of 8 ends the run), a date ("2026-12-07-0930":
# a run starting with one), a UUID's digit groups. One scan, no Python per group: it runs on every
# identifier of every live event.
_ID_PHONE = re.compile(
    r"(?P<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})|"  # set aside whole
    r"(?<![0-9])(?=(?:[0-9][_.:-]{0,2}){9})"  # 9 digits ahead, across separators
    r"(?!(?:19|20)[0-9]{2}(?P<sep>[_.:-])(?:0[1-9]|1[0-2])(?P=sep)(?:0[1-9]|[12][0-9]|3[01])(?![0-9]))"
    r"(?:[0-9]{1,5}(?:[_.:-]{1,2}[0-9]{1,5})+(?![0-9])(?![_.:-]{1,2}[0-9])"
    r"|0[0-9]{1,4}(?:[_.:-]{1,2}[0-9]{1,5})?[_.:-]{1,2}[0-9]{6,8}(?![0-9]))"
)
# Identifiers that certainly carry no such number, in a pattern pydantic-core's regex engine runs (no
# look-around, no Python call): every digit cluster (digit groups joined by 1 or 2 separators) holds
# at most 8 digits, or is long groups of 6 or more digits, a short prefix before them (at most 2 groups
# of up to 3 digits, none starting with 0: no trunk prefix) and at most 8 digits after. The simulator's
# ids and most others fit; the rest go to phone_in_identifier. tests/unit/test_contact_data_forms.py
# checks that nothing this admits is a phone number by _ID_PHONE.
_SEP2, _CHAIN = "[_.:-]{1,2}", "[0-9](?:[_.:-]{0,2}[0-9]){0,7}"
_PREFIX = f"[1-9][0-9]{{0,2}}(?:{_SEP2}[1-9][0-9]{{0,2}})?"
_CLUSTER = f"(?:{_CHAIN}|(?:{_PREFIX}{_SEP2})?[0-9]{{6,}}(?:{_SEP2}[0-9]{{6,}})*(?:{_SEP2}{_CHAIN})?)"
_BREAK = "(?:[_.:-]{0,2}[^0-9_.:-][^0-9]*|[_.:-]{3,}[^0-9]*)"  # between clusters: a letter, or 3 separators
PHONE_FREE_PATTERN = f"^[^0-9]*(?:{_CLUSTER}{_BREAK})*(?:{_CLUSTER}[^0-9]*)?$"
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
# Messages pydantic writes with the input value in them: replaced by a fixed text.
_ECHOING_KINDS = {"union_tag_invalid": "not a known event type"}


@dataclass(frozen=True, slots=True)
class Admitted(Generic[T]):
    event: T


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str


def contact_data_in(value: str) -> bool:
    """True when free text carries something that looks like an email address or phone number,
    however it is written (checked on its folded form)."""
    text = fold(value)
    return bool(_EMAIL.search(text) or _PHONE.search(text))


def phone_in_identifier(value: str) -> bool:
    """True when an identifier (ASCII letters, digits, ``_.:-``) carries a phone number written with
    separators (see ``_ID_PHONE``)."""
    return any(match.group("uuid") is None for match in _ID_PHONE.finditer(value))


@lru_cache(maxsize=4096)
def phone_in_name(value: str) -> bool:
    """:func:`phone_in_identifier` for names that repeat on every record (rooms, sessions, codes): remembered."""
    return phone_in_identifier(value)


def _path(loc: tuple[int | str, ...]) -> str:
    """A field path whose keys are shown only when they are plain words (a key may be input too)."""
    parts = []
    for part in loc:
        if isinstance(part, int) or (_PLAIN_KEY.fullmatch(part) and not contact_data_in(part)):
            parts.append(str(part))
        else:
            parts.append("<key>")
    return ".".join(parts) or "(record)"


def describe_error(error: Exception) -> str:
    """The first faults, field path and kind each, without the offending values; bounded."""
    if isinstance(error, ValidationError):
        errors = error.errors(include_input=False, include_url=False, include_context=False)
        parts = [f"{_path(e['loc'])}: {_ECHOING_KINDS.get(e['type'], e['msg'])}" for e in errors[:MAX_REASONS]]
        if len(errors) > MAX_REASONS:
            parts.append(f"and {len(errors) - MAX_REASONS} more faults")
        text = "; ".join(parts)
        if contact_data_in(text):  # defence in depth: a message that quoted its input after all
            text = "; ".join(f"{_path(e['loc'])}: {e['type']}" for e in errors[:MAX_REASONS])
    elif isinstance(error, UnicodeDecodeError):
        text = "record data is not UTF-8"
    else:
        text = f"{type(error).__name__}"
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 3] + "..."
