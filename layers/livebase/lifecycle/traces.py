"""A batch's viewer activity as rows to keep: what the stream's consent function writes (no pandas).

Why apart from :mod:`livebase.lifecycle.activity`: the consent function runs in Lambda, whose layer
ships no pandas; this module is plain Python. One row per viewer and room of a batch: joins, leaves
(epoch seconds), interaction count, first and last time seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

INTERACTIONS = frozenset({"comment", "like", "share", "add_to_cart"})  # livebase.live.events types
ACTIVITY_TYPES = ("viewer_joined", "viewer_left", *sorted(INTERACTIONS))  # what the consumer's filter passes


@dataclass
class _Trace:
    joins: list[int] = field(default_factory=list)
    leaves: list[int] = field(default_factory=list)
    interactions: int = 0
    first: int = 0
    last: int = 0


def batch_activity(events: Iterable[tuple[str, str, str, datetime]]) -> list[dict[str, Any]]:
    """``(type, viewer, room, ts)`` of one batch -> one row per viewer and room (epoch seconds).

    Rows are a list of records naming their viewer (``viewer``), so erasure can drop a viewer's
    rows from a kept document (``livebase.privacy.erasure.without_viewer``)."""
    traces: dict[tuple[str, str], _Trace] = {}
    for kind, viewer, room, ts in events:
        if kind not in ACTIVITY_TYPES:
            continue
        at = int(ts.timestamp())
        trace = traces.get((viewer, room))
        if trace is None:
            trace = traces[(viewer, room)] = _Trace(first=at, last=at)
        trace.first, trace.last = min(trace.first, at), max(trace.last, at)
        if kind == "viewer_joined":
            trace.joins.append(at)
        elif kind == "viewer_left":
            trace.leaves.append(at)
        else:
            trace.interactions += 1
    return [
        {"viewer": viewer, "room": room, "first": t.first, "last": t.last, "joins": sorted(t.joins),
         "leaves": sorted(t.leaves), "interactions": t.interactions}
        for (viewer, room), t in sorted(traces.items())
    ]  # fmt: skip
