"""When to go live: an hour-of-week engagement profile in the market's local time, and windows.

Why local hour-of-week: audiences follow the local clock (lunch, prime time, weekends), while the
room metrics are stored per UTC minute. Each stored minute is mapped to its local hour-of-week
with ``zoneinfo``, so a DST change moves the bucket, not the audience.

Windows are generated as real instants (UTC, every ``step`` minutes from local midnight to the
next local midnight), never as wall-clock arithmetic: on a spring-forward day the missing local
hour yields no candidate, on a fall-back day the repeated hour yields two (both are real times),
and a session's end is its start plus its duration in elapsed minutes.

Priors: with no history, viewers follow a lunch-and-prime-time curve (weekends a little higher)
and conversion is ``PRIOR_CONVERSION``; with history, each hour blends its observations with the
prior scaled to the observed level, weighted by how many minutes were seen (shrinkage), so a
single odd minute does not move the plan.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from livebase.live.room_minutes import MinuteMetrics

HOURS_OF_WEEK = 168
PRIOR_CONVERSION = 0.02  # orders per unique viewer-minute with no history
PRIOR_MINUTES = 30.0  # pseudo-minutes of prior per hour-of-week
PRIOR_VIEWERS = 500.0  # pseudo-viewers behind the prior conversion


def hour_of_week(instant: datetime, zone: ZoneInfo) -> int:
    """Monday 00:00-00:59 local is 0, Sunday 23:00-23:59 local is 167."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware (UTC)")
    local = instant.astimezone(zone)
    return local.weekday() * 24 + local.hour


def prior_viewers(how: int) -> float:
    """Relative audience of a local hour-of-week: lunch bump, prime time near 21:00, weekends x1.15."""
    hour = how % 24 + 0.5
    lunch = math.exp(-(((hour - 12.5) / 1.5) ** 2) / 2)
    prime = math.exp(-(((hour - 21.0) / 2.0) ** 2) / 2)
    weekend = 1.15 if how // 24 >= 5 else 1.0
    return (0.08 + 0.35 * lunch + prime) * weekend


@dataclass(frozen=True)
class Engagement:
    """Expected unique viewers per minute and conversion per viewer, per local hour-of-week."""

    viewers: tuple[float, ...]
    conversion: tuple[float, ...]
    observed_minutes: int  # how much history is behind it (0: priors only)

    def source(self) -> str:
        if not self.observed_minutes:
            return "priors (no room history)"
        return f"{self.observed_minutes} room-minutes of history blended with priors"


def engagement_profile(minutes: Iterable[MinuteMetrics], zone: ZoneInfo) -> Engagement:
    """Fold stored room-minutes into the local hour-of-week profile (with priors where thin)."""
    count = [0] * HOURS_OF_WEEK
    viewers = [0.0] * HOURS_OF_WEEK
    orders = [0.0] * HOURS_OF_WEEK
    for minute in minutes:
        if not minute.on_air_seconds and not minute.unique_viewers:
            continue  # a gap filled by the fold: the room was not live
        h = hour_of_week(minute.minute, zone)
        count[h] += 1
        viewers[h] += minute.unique_viewers
        orders[h] += minute.orders
    total_minutes, total_viewers = sum(count), sum(viewers)
    prior_shape = [prior_viewers(h) for h in range(HOURS_OF_WEEK)]
    if total_minutes:
        # scale the prior's shape to the observed level (viewers per minute where observed)
        seen_shape = sum(prior_shape[h] * count[h] for h in range(HOURS_OF_WEEK))
        scale = total_viewers / seen_shape if seen_shape else 1.0
        base_conversion = sum(orders) / total_viewers if total_viewers else PRIOR_CONVERSION
    else:
        scale, base_conversion = 100.0, PRIOR_CONVERSION
    expected_viewers = tuple(
        (viewers[h] + PRIOR_MINUTES * scale * prior_shape[h]) / (count[h] + PRIOR_MINUTES) for h in range(HOURS_OF_WEEK)
    )
    conversion = tuple(
        (orders[h] + PRIOR_VIEWERS * base_conversion) / (viewers[h] + PRIOR_VIEWERS) for h in range(HOURS_OF_WEEK)
    )
    return Engagement(expected_viewers, conversion, total_minutes)


@dataclass(frozen=True)
class Window:
    """A candidate session: real start and end (UTC), their local wall times, and its value."""

    start: datetime  # UTC
    end: datetime  # UTC
    zone: str
    viewer_minutes: float
    expected_orders: float

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(ZoneInfo(self.zone))

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(ZoneInfo(self.zone))

    def overlaps(self, other: Window, gap: timedelta = timedelta(0)) -> bool:
        return self.start < other.end + gap and other.start < self.end + gap


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``day``'s local 00:00 (a zone whose midnight is skipped starts at 01:00)."""
    wall = datetime.combine(day, time(0), tzinfo=zone)
    back = wall.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != wall.replace(tzinfo=None):  # 00:00 does not exist that day
        wall = back.replace(minute=0, second=0)
    return wall.astimezone(UTC)


def windows_on(
    day: date,
    zone_name: str,
    engagement: Engagement,
    duration: timedelta,
    *,
    earliest: time = time(7, 0),
    latest_end: time = time(23, 59),
    end_next_day: bool = False,
    not_before: datetime | None = None,
    step: timedelta = timedelta(minutes=30),
) -> list[Window]:
    """Every window starting on local ``day`` between ``earliest`` and an end by ``latest_end``.

    ``end_next_day``: ``latest_end`` is on the next local day (late Ramadan nights);
    ``not_before``: a UTC instant no session may start before (e.g. iftar).
    """
    zone = ZoneInfo(zone_name)
    first, stop = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
    end_day = day + timedelta(days=1) if end_next_day else day
    limit = datetime.combine(end_day, latest_end, tzinfo=zone).astimezone(UTC)
    found: list[Window] = []
    start = first
    while start < stop:
        local = start.astimezone(zone)
        end = start + duration
        if local.time() >= earliest and end <= limit and (not_before is None or start >= not_before):
            viewer_minutes, orders = _value(start, end, zone, engagement)
            found.append(Window(start, end, zone_name, viewer_minutes, orders))
        start += step
    return found


def _value(start: datetime, end: datetime, zone: ZoneInfo, engagement: Engagement) -> tuple[float, float]:
    """Expected viewer-minutes and orders of a window, hour-of-week by hour-of-week (15-minute steps)."""
    viewer_minutes = orders = 0.0
    at, quarter = start, timedelta(minutes=15)
    while at < end:
        piece = min(quarter, end - at).total_seconds() / 60
        h = hour_of_week(at, zone)
        viewer_minutes += engagement.viewers[h] * piece
        orders += engagement.viewers[h] * engagement.conversion[h] * piece
        at += quarter
    return viewer_minutes, orders
