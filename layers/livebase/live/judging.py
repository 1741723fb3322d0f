"""Room totals and room alerts for one market's batch: count, then judge the completed minutes.

The policy the ingest handler used to hold itself: add a batch's partials to the shard's running
totals; then, per room, judge the last minute the batch may have completed (its latest minute
minus one), once per container and once per room-minute across containers (the first shard to
claim it); checkpoint concurrency for a minute ``SETTLED_MINUTES`` back, which every shard has
delivered by then; and send each alert once (its conditional mark).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from livebase.live.alerts import evaluate as evaluate_alerts
from livebase.live.room_metrics import DEFAULT_TTL_DAYS, BatchAggregator
from livebase.markets.config import Market
from livebase.signals import bus_entry
from livebase.stores.room_metrics import AccumulateResult, RoomStore, ShardMinutesCache

# Minutes after which every shard has delivered a minute (Kinesis iterator age alarm: 60 s).
SETTLED_MINUTES = 5
SendEntries = Callable[[list[dict[str, Any]]], None]


class JudgedMinutes:
    """Per container: the newest minute judged per room, bounded (the oldest rooms are forgotten).

    Forgetting only costs a repeated judgement, which the checkpoint overwrite and the alert marks'
    conditional puts make harmless.
    """

    def __init__(self, max_rooms: int = 4096) -> None:
        self.max_rooms = max_rooms
        self._latest: dict[str, datetime] = {}

    def newer(self, room_id: str, minute: datetime) -> bool:
        """True when ``minute`` is after every minute of the room judged here so far."""
        seen = self._latest.get(room_id)
        return seen is None or minute > seen

    def mark(self, room_id: str, minute: datetime) -> None:
        self._latest.pop(room_id, None)  # re-insert: dict order is recency order
        self._latest[room_id] = minute
        while len(self._latest) > self.max_rooms:
            del self._latest[next(iter(self._latest))]


def alert_span(market: Market) -> timedelta:
    """How far back the detectors look when judging a minute."""
    alerts = market.alerts
    return timedelta(
        minutes=1
        + max(
            alerts.conversion_baseline_minutes + alerts.conversion_window_minutes,
            alerts.sentiment_baseline_minutes + alerts.sentiment_window_minutes,
            alerts.viewer_drop_lookback_minutes,
        )
    )


@dataclass
class BatchOutcome:
    written: AccumulateResult
    alerts_sent: int


class RoomJudge:
    """One container's room totals and judgements for a market (state kept across invocations)."""

    def __init__(self, store: RoomStore, market: Market, send: SendEntries, bus_name: str) -> None:
        self.store, self.market, self.send, self.bus_name = store, market, send, bus_name
        self.judged = JudgedMinutes()  # one Query of the room's window per completed minute, not per batch
        self.cache = ShardMinutesCache()  # this container's totals: adding a batch needs no read first
        self.span = alert_span(market)

    def count_and_judge(self, batch: BatchAggregator) -> BatchOutcome:
        written = self.store.accumulate(batch, self.cache)
        latest: dict[str, datetime] = {}
        for room_id, minute in batch.partials:
            latest[room_id] = max(latest.get(room_id, minute), minute)
        sent = 0
        for room_id, minute in latest.items():
            judged = minute - timedelta(minutes=1)  # the last minute this batch may have completed
            if self.judged.newer(room_id, judged):
                sent += self.judge_minute(room_id, judged, batch.shard_id)
                self.judged.mark(room_id, judged)
        return BatchOutcome(written, sent)

    def judge_minute(self, room_id: str, judged: datetime, shard_id: str) -> int:
        """Send the alerts the room's minute ``judged`` raises (once each); returns how many."""
        if not self.store.claim(room_id, judged, shard_id):
            return 0
        series = self.store.series(room_id, judged - self.span, judged)
        if not series or series[-1].minute != judged:
            return 0
        if len(series) > SETTLED_MINUTES:
            settled = series[-1 - SETTLED_MINUTES]
            expires = int((settled.minute + timedelta(days=DEFAULT_TTL_DAYS)).timestamp())
            self.store.checkpoint(room_id, settled, expires)
        sent = 0
        for alert in evaluate_alerts(series, self.market):
            if self.store.first_time(room_id, judged, alert.key):
                try:
                    self.send([bus_entry(alert, self.bus_name)])
                except Exception:  # not sent: the redelivered batch must find no mark (found by the soak)
                    self.store.forget_alert(room_id, judged, alert.key)
                    raise
                sent += 1
        return sent
