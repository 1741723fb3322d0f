"""One decision per record or message, and reasons that are safe to log and to dead-letter.

A consumer admits what it receives (:class:`Admitted`) or refuses it (:class:`Refused`) with a
reason built by :func:`describe_error`: field paths and error kinds, never the input values, and
bounded in length, so a reason always fits a dead-letter message and never carries personal data.
:func:`contact_data_in` is the one test for contact data the schemas refuse and reasons avoid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import ValidationError

T = TypeVar("T")

MAX_REASONS = 5
MAX_REASON_CHARS = 600

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")
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
    """True when free text carries something that looks like an email address or phone number."""
    return bool(_EMAIL.search(value) or _PHONE.search(value))


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
