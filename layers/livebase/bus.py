"""Putting entries on a market's EventBridge bus from a handler: all of them, or an error.

An error fails the record (or batch) that produced the entries, so Kinesis redelivers it;
senders keep their entries idempotent (alert marks, idempotent order handling) for that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from livebase.aws_errors import TransientError

PUT_EVENTS_LIMIT = 10  # entries per PutEvents call


class BusPutFailed(TransientError):
    """EventBridge refused entries (throttled, or an internal failure): the record is redelivered."""


def put_all(client: Any, entries: Sequence[Mapping[str, Any]]) -> None:
    """PutEvents in calls of ten; raises if EventBridge refuses any entry (with the error codes)."""
    for start in range(0, len(entries), PUT_EVENTS_LIMIT):
        response = client.put_events(Entries=list(entries[start : start + PUT_EVENTS_LIMIT]))
        if response.get("FailedEntryCount"):
            codes = {e.get("ErrorCode") for e in response["Entries"] if e.get("ErrorCode")}
            raise BusPutFailed(f"EventBridge refused {response['FailedEntryCount']} entries: {codes}")
