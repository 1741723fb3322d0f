"""The last look before a document leaves its market: does anything in it look personal?

The export schema already cannot express a viewer row; this screen is the belt to that brace,
run on the exact bytes about to be sent, so a future field or a bug that lets a viewer id or
contact data through is refused by the residency guard instead of arriving at hq.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from livebase.batches.reasons import contact_data_in

VIEWER_ID = re.compile(r"v_[0-9a-f]{16,64}")
FIGURE = re.compile(r"^-?\d+(\.\d+)?$|^\d{4}-\d{2}-\d{2}$")  # amounts as text, dates: not phone numbers
PERSONAL_NAMES = re.compile(r'"(viewer_id|viewer_key|viewer|email|phone|name|address)"\s*:')


def _texts(value: Any) -> Iterator[str]:
    """Every string of a JSON value, keys included (numbers are figures, not phone numbers)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def personal_data_in(document: str) -> list[str]:
    """Reasons the document looks personal (empty: it does not); reasons never quote the data.

    A JSON document's strings are checked one by one for contact data; other text as a whole."""
    reasons = []
    if VIEWER_ID.search(document):
        reasons.append("a pseudonymous viewer id")
    if match := PERSONAL_NAMES.search(document):
        reasons.append(f"a field named {match.group(1)!r}")
    try:
        texts = list(_texts(json.loads(document)))
    except ValueError:
        texts = [document]
    if any(contact_data_in(text) for text in texts if not FIGURE.match(text)):
        reasons.append("something shaped like an email address or phone number")
    return reasons
