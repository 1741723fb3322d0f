"""When: hour-of-week in local time, priors, and windows across DST and zone edges (livebase.sessions.timing)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from livebase.live.room_minutes import MinuteMetrics
from livebase.sessions.timing import engagement_profile, hour_of_week, local_midnight, windows_on

BERLIN, LA, DUBAI = ZoneInfo("Europe/Berlin"), ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Dubai")


def _minute(at: datetime, viewers: int, orders: int) -> MinuteMetrics:
    return MinuteMetrics(
        room_id="r", minute=at, currency="EUR", unique_viewers=viewers, orders=orders, on_air_seconds=60
    )


def test_hour_of_week_is_local_and_follows_dst() -> None:
    # 19:30 UTC on a Sunday is Sunday 20:30 in Berlin in winter, Sunday 21:30 in summer
    assert hour_of_week(datetime(2026, 1, 4, 19, 30, tzinfo=UTC), BERLIN) == 6 * 24 + 20
    assert hour_of_week(datetime(2026, 7, 5, 19, 30, tzinfo=UTC), BERLIN) == 6 * 24 + 21
    # 03:00 UTC Monday is still Sunday evening in Los Angeles
    assert hour_of_week(datetime(2026, 1, 5, 3, 0, tzinfo=UTC), LA) == 6 * 24 + 19


def test_priors_without_history_peak_in_the_evening() -> None:
    profile = engagement_profile([], DUBAI)
    assert profile.observed_minutes == 0 and "priors" in profile.source()
    tuesday = profile.viewers[24:48]
    assert max(range(24), key=tuesday.__getitem__) in (20, 21)
    assert profile.viewers[5 * 24 + 21] > profile.viewers[1 * 24 + 21]  # weekends a little higher


def test_history_moves_the_profile_where_it_was_observed() -> None:
    # rooms live around the clock on four Wednesdays; the crowd is at 09:00 Berlin (08:00 UTC), converting well
    minutes = [
        _minute(datetime(2026, 1, 7 + 7 * w, h, m, tzinfo=UTC), *((2000, 200) if h == 8 else (200, 2)))
        for w in range(4)
        for h in range(24)
        for m in range(60)
    ]
    profile = engagement_profile(minutes, BERLIN)
    wednesday_9 = 2 * 24 + 9
    assert profile.viewers[wednesday_9] > 1500
    assert profile.conversion[wednesday_9] > 0.09
    best = max(
        windows_on(date(2026, 2, 4), "Europe/Berlin", profile, timedelta(hours=1)), key=lambda w: w.expected_orders
    )
    assert best.local_start.time() == time(9, 0)


def test_spring_forward_day_has_no_missing_hour_and_keeps_real_durations() -> None:
    profile = engagement_profile([], BERLIN)
    day = date(2026, 3, 29)  # 02:00 -> 03:00 in Berlin
    found = windows_on(
        day, "Europe/Berlin", profile, timedelta(hours=2), earliest=time(0, 0), step=timedelta(minutes=30)
    )
    locals_ = [w.local_start for w in found]
    assert all(not (time(2, 0) <= t.time() < time(3, 0)) for t in locals_)  # the hour that does not exist
    assert len({w.start for w in found}) == len(found)
    early = next(w for w in found if w.local_start.time() == time(1, 30))
    assert early.end - early.start == timedelta(hours=2) and early.local_end.time() == time(4, 30)
    assert (local_midnight(day + timedelta(days=1), BERLIN) - local_midnight(day, BERLIN)) == timedelta(hours=23)


def test_fall_back_day_offers_both_repeated_hours_as_real_instants() -> None:
    profile = engagement_profile([], LA)
    day = date(2026, 11, 1)  # 02:00 -> 01:00 in Los Angeles
    found = windows_on(day, "America/Los_Angeles", profile, timedelta(minutes=30), earliest=time(0, 0))
    one_thirty = [w for w in found if w.local_start.time() == time(1, 30)]
    assert len(one_thirty) == 2 and one_thirty[1].start - one_thirty[0].start == timedelta(hours=1)
    assert {w.local_start.utcoffset() for w in one_thirty} == {timedelta(hours=-7), timedelta(hours=-8)}
    assert len(found) == 49  # 25 hours of half-hour starts, less 23:30 (it would end after 23:59)


def test_a_window_may_not_end_after_its_limit_or_start_before_not_before() -> None:
    profile = engagement_profile([], DUBAI)
    iftar = datetime(2026, 3, 1, 14, 50, tzinfo=UTC)  # 18:50 Dubai
    found = windows_on(date(2026, 3, 1), "Asia/Dubai", profile, timedelta(hours=2), not_before=iftar)
    assert found and all(w.start >= iftar for w in found)
    assert all(w.local_end.date() == date(2026, 3, 1) and w.local_end.time() <= time(23, 59) for w in found)
    late = windows_on(date(2026, 3, 1), "Asia/Dubai", profile, timedelta(hours=2), latest_end=time(1, 30),
                      end_next_day=True, not_before=iftar)  # fmt: skip
    assert max(w.local_end for w in late).time() == time(1, 30)
