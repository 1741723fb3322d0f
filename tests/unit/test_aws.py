"""Entries reach the bus in calls of ten; a refused entry fails loudly (the record is redelivered)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from livebase.aws import put_all


class RecordingEvents:
    """The PutEvents part of an EventBridge client; refuses entries whose Detail is "refuse"."""

    def __init__(self) -> None:
        self.calls: list[list[dict[str, Any]]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        results = [{"ErrorCode": "Refused"} if e["Detail"] == "refuse" else {"EventId": "id"} for e in Entries]
        return {"FailedEntryCount": sum("ErrorCode" in r for r in results), "Entries": results}


def test_entries_go_in_calls_of_ten_in_order() -> None:
    client = RecordingEvents()
    entries = [{"Detail": str(n)} for n in range(23)]
    put_all(client, entries)
    assert [len(call) for call in client.calls] == [10, 10, 3]
    assert [e for call in client.calls for e in call] == entries


def test_a_refused_entry_raises_with_the_error_code() -> None:
    client = RecordingEvents()
    with pytest.raises(RuntimeError, match=re.escape("refused 1 entries: {'Refused'}")):
        put_all(client, [{"Detail": "ok"}, {"Detail": "refuse"}])
    put_all(client, [])
    assert len(client.calls) == 1  # nothing to send, no call
