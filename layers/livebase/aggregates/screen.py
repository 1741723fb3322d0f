"""The last look before a document leaves its market: does anything in it look personal?

The export schema already cannot express a viewer row; this screen is the belt to that brace,
run on the exact bytes about to be sent, so a future field or a bug that lets a viewer id or
contact data through is refused by the residency guard instead of arriving at hq.
"""

from __future__ import annotations

import re

from livebase.live.events import contact_data_in

VIEWER_ID = re.compile(r"v_[0-9a-f]{16,64}")
PERSONAL_NAMES = re.compile(r'"(viewer_id|viewer_key|viewer|email|phone|name|address)"\s*:')


def personal_data_in(document: str) -> list[str]:
    """Reasons the document looks personal (empty: it does not); reasons never quote the data."""
    reasons = []
    if VIEWER_ID.search(document):
        reasons.append("a pseudonymous viewer id")
    if match := PERSONAL_NAMES.search(document):
        reasons.append(f"a field named {match.group(1)!r}")
    if contact_data_in(document):
        reasons.append("something shaped like an email address or phone number")
    return reasons
