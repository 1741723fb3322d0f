"""Viewer activity besides orders: visits, watch time and interaction, per viewer (seed 3.2).

Why: "dormant" in the report Livebase was founded on means no visit or interaction, not only no
order; a viewer who watches every night without buying is not dormant. The stream's consumer
(``functions/consent``) folds each batch into ``livebase.lifecycle.traces.batch_activity`` rows, one per viewer and room
(joins, leaves, interactions and the first and last time seen), kept in the market's own lake; the
regional run reads them back as one frame (:func:`activity_frame`) and summarises per viewer
(:func:`viewer_activity`): first and last seen, and engagement in the last window and the one
before it (churn risk). Watch time pairs each leave with the join before it in the same room.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from livebase.lifecycle.traces import ACTIVITY_TYPES, INTERACTIONS, batch_activity

__all__ = ["ACTIVITY_TYPES", "INTERACTIONS", "activity_frame", "batch_activity", "seen_between", "viewer_activity"]
JOIN, LEAVE, INTERACT = "join", "leave", "interact"
MAX_WATCH_SECONDS = 6 * 3600  # one join to its leave: longer is a lost leave, not a six-hour show
WATCH_MINUTES_PER_VISIT = 10.0  # engagement: ten minutes watched count as much as a visit or an interaction
COLUMNS = ("viewer_id", "room_id", "at", "kind", "weight")


def activity_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per join, leave and batch of interactions (``weight``: how many), times UTC."""
    viewers: list[str] = []
    rooms: list[str] = []
    times: list[int] = []
    kinds: list[str] = []
    weights: list[int] = []

    def add(row: Mapping[str, Any], at: int, kind: str, weight: int) -> None:
        viewers.append(str(row["viewer"]))
        rooms.append(str(row["room"]))
        times.append(int(at))
        kinds.append(kind)
        weights.append(weight)

    for row in rows:
        for at in row.get("joins", ()):
            add(row, at, JOIN, 1)
        for at in row.get("leaves", ()):
            add(row, at, LEAVE, 1)
        if row.get("interactions") or not (row.get("joins") or row.get("leaves")):
            add(row, row["last"], INTERACT, int(row.get("interactions", 0)))  # seen, even without a join
    return pd.DataFrame(
        {
            "viewer_id": pd.Series(viewers, dtype="string"),
            "room_id": pd.Series(rooms, dtype="string"),
            "at": pd.to_datetime(pd.Series(times, dtype="int64"), unit="s", utc=True),
            "kind": pd.Categorical(kinds, categories=(JOIN, LEAVE, INTERACT)),
            "weight": pd.Series(weights, dtype="int64"),
        }
    )


def watch_seconds(frame: pd.DataFrame) -> pd.Series:
    """Per row: seconds watched ending at this leave (its room's previous row a join), else 0."""
    ordered = frame.sort_values(["viewer_id", "room_id", "at"], kind="stable")
    same = (ordered["viewer_id"] == ordered["viewer_id"].shift()) & (ordered["room_id"] == ordered["room_id"].shift())
    after_join = same & (ordered["kind"].shift() == JOIN) & (ordered["kind"] == LEAVE)
    gap = (ordered["at"] - ordered["at"].shift()).dt.total_seconds().fillna(0.0)
    watched = gap.where(after_join, 0.0).clip(upper=MAX_WATCH_SECONDS)
    return watched.reindex(frame.index)


def engagement(frame: pd.DataFrame) -> pd.Series:
    """Per row: visits + interactions + watch time in visit-equivalents (see the module docstring)."""
    visits = (frame["kind"] == JOIN).astype("float64")
    interactions = frame["weight"].where(frame["kind"] == INTERACT, 0).astype("float64")
    return visits + interactions + watch_seconds(frame) / 60.0 / WATCH_MINUTES_PER_VISIT


def viewer_activity(frame: pd.DataFrame, end: pd.Timestamp, window_days: int) -> pd.DataFrame:
    """Per viewer seen before ``end``: first, last, visits, watch seconds, interactions, and engagement
    in the last ``window_days`` (``recent``) and the ``window_days`` before (``prior``)."""
    frame = frame[frame["at"] < end]
    if frame.empty:
        empty = pd.DataFrame(
            {"first": pd.Series(dtype="datetime64[ns, UTC]"), "last": pd.Series(dtype="datetime64[ns, UTC]")}
            | {name: pd.Series(dtype="float64") for name in ("visits", "watch_s", "interactions", "recent", "prior")}
        )
        empty.index = pd.Index([], name="viewer_id", dtype="object")
        return empty
    score = engagement(frame)
    window = pd.Timedelta(days=window_days)
    recent = score.where(frame["at"] >= end - window, 0.0)
    prior = score.where((frame["at"] < end - window) & (frame["at"] >= end - 2 * window), 0.0)
    parts = pd.DataFrame(
        {
            "viewer_id": frame["viewer_id"].astype(str),
            "at": frame["at"],
            "visits": (frame["kind"] == JOIN).astype("int64"),
            "watch_s": watch_seconds(frame),
            "interactions": frame["weight"].where(frame["kind"] == INTERACT, 0),
            "recent": recent,
            "prior": prior,
        }
    )
    grouped = parts.groupby("viewer_id", sort=True)
    out = pd.DataFrame(
        {
            "first": grouped["at"].min(),
            "last": grouped["at"].max(),
            "visits": grouped["visits"].sum(),
            "watch_s": grouped["watch_s"].sum(),
            "interactions": grouped["interactions"].sum(),
            "recent": grouped["recent"].sum(),
            "prior": grouped["prior"].sum(),
        }
    )
    out.index = pd.Index(out.index.astype(str), name="viewer_id")
    return out


def seen_between(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> set[str]:
    """Viewers with any activity in ``[start, end)`` (returned after a recall, or not)."""
    inside = frame[(frame["at"] >= start) & (frame["at"] < end)]
    return set(np.unique(inside["viewer_id"].astype(str).to_numpy()).tolist())
