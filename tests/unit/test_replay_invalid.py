"""`./livebase replay` tells how many re-driven records fail validation again (they come back to the
DLQ) and leaves a message whose records would all fail on its DLQ unless asked (issue 30)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from livebase.markets.config import load_markets
from livebase_local.commands.replay import ReplayReport, still_refused

SEA = load_markets()["sea"]


def _like(**changes: object) -> bytes:
    event = {"event_id": "evt-like-1", "schema_version": 1, "type": "like", "market": "sea", "room_id": "sea-room-1",
             "session_id": "s1", "ts": datetime.now(UTC).isoformat(), "viewer_id": "v_0123456789abcdef0123",
             "count": 1} | changes  # fmt: skip
    return json.dumps(event).encode()


def test_records_are_judged_as_the_consumers_will_judge_them_now() -> None:
    assert still_refused([_like()], SEA) == 0
    assert still_refused([_like(count="many"), _like(market="eu"), b"{not json", _like()], SEA) == 3


def test_the_report_says_what_comes_back_and_what_was_skipped() -> None:
    line = ReplayReport(messages=2, records_put=2, invalid_redriven=1, invalid_skipped=3).line("sea")
    assert "1 of the re-driven records fail validation again: they come back to the DLQ" in line
    assert "3 messages skipped, left on the DLQ" in line and "--include-invalid" in line
    assert "skipped" not in ReplayReport(messages=1, records_put=1).line("sea")
