"""Per viewer and room, what they did lately: the flooding and bot signals moderation acts on.

Windows run on the events' own times (not the clock), so the same records always give the same
decisions, in a Lambda container, a benchmark or a test. The stream is partitioned by viewer,
so one shard (one container) sees all of a viewer's events; state is per container and bounded
(least recently seen viewers are dropped past ``max_viewers``).

A viewer is *flagged* (an inauthentic account for this room) once they flood comments, like in
bursts no thumb keeps up, or join and leave again and again; from then on their joins, likes and
comments in the room are left out of the ``authentic_*`` figures that pay hosts (the raw figures
stay beside them). Thresholds are module constants, tuned on one seeded day of the simulator
(``benchmarks/trust_safety.py``) and reported on another.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime

from livebase.recent import entry, trim

COMMENT_WINDOW_S = 30.0
MAX_COMMENTS_PER_WINDOW = 6  # a seventh comment inside 30 s is flooding
REPEAT_WINDOW_S = 120.0
MAX_REPEATS = 2  # the same text a third time inside 2 minutes is hidden (it does not flag the account alone)
LIKE_WINDOW_S = 60.0
MAX_LIKE_EVENTS_PER_WINDOW = 12  # like events (each up to 1,000 taps) a minute
JOIN_WINDOW_S = 600.0
MAX_JOINS_PER_WINDOW = 6  # join-leave cycling (returning viewers rejoin a few times)
MAX_VIEWERS = 200_000


@dataclass(slots=True)
class ViewerWindow:
    comments: deque[float] = field(default_factory=deque)
    texts: deque[tuple[float, int]] = field(default_factory=deque)
    text_counts: dict[int, int] = field(default_factory=dict)  # digest -> times inside the repeat window
    likes: deque[float] = field(default_factory=deque)
    joins: deque[float] = field(default_factory=deque)
    flagged: str = ""  # why the account counts as inauthentic in this room ("" while it does not)


def _burst(window: ViewerWindow, events: deque[float], ts: datetime, span: float, limit: int, why: str) -> str:
    """Count one event at ``ts`` in ``events``: more than ``limit`` inside ``span`` seconds flags the account
    ``why``. The account's flag (the first reason stays)."""
    now = ts.timestamp()
    trim(events, now, span)
    events.append(now)
    if len(events) > limit:
        window.flagged = window.flagged or why
    return window.flagged


class FloodTracker:
    """Sliding windows per (room, viewer) over event times."""

    def __init__(self, max_viewers: int = MAX_VIEWERS) -> None:
        self._windows: OrderedDict[tuple[str, str], ViewerWindow] = OrderedDict()
        self._max = max_viewers

    def _window(self, room_id: str, viewer_id: str) -> ViewerWindow:
        return entry(self._windows, (room_id, viewer_id), ViewerWindow, self._max)

    def flagged(self, room_id: str, viewer_id: str) -> str:
        found = self._windows.get((room_id, viewer_id))
        return found.flagged if found is not None else ""

    def comment(self, room_id: str, viewer_id: str, ts: datetime, folded_text: str) -> str:
        """Record a comment; the flooding rule it breaks ("" when none)."""
        now, window = ts.timestamp(), self._window(room_id, viewer_id)
        trim(window.comments, now, COMMENT_WINDOW_S)
        window.comments.append(now)
        digest, counts = hash(folded_text), window.text_counts
        while window.texts and window.texts[0][0] <= now - REPEAT_WINDOW_S:
            _, gone = window.texts.popleft()
            counts[gone] -= 1
            if not counts[gone]:
                del counts[gone]
        repeats = counts.get(digest, 0)
        window.texts.append((now, digest))
        counts[digest] = repeats + 1
        if len(window.comments) > MAX_COMMENTS_PER_WINDOW:
            window.flagged = window.flagged or "flooding:comment_rate"
            return "flooding:comment_rate"
        if repeats >= MAX_REPEATS:  # chatty people repeat themselves too: hidden, but no bot for that alone
            return "flooding:repeated_text"
        return ""

    def like(self, room_id: str, viewer_id: str, ts: datetime) -> str:
        window = self._window(room_id, viewer_id)
        return _burst(window, window.likes, ts, LIKE_WINDOW_S, MAX_LIKE_EVENTS_PER_WINDOW, "bot:like_burst")

    def join(self, room_id: str, viewer_id: str, ts: datetime) -> str:
        window = self._window(room_id, viewer_id)
        return _burst(window, window.joins, ts, JOIN_WINDOW_S, MAX_JOINS_PER_WINDOW, "bot:join_cycling")

    def flag(self, room_id: str, viewer_id: str, why: str) -> None:
        window = self._window(room_id, viewer_id)
        window.flagged = window.flagged or why

    def flagged_viewers(self) -> dict[tuple[str, str], str]:
        return {key: w.flagged for key, w in self._windows.items() if w.flagged}
