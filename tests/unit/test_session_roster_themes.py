"""Who and why: host roster limits and no double booking; festival themes across years; tracks; the split."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from livebase.markets.config import load_markets
from livebase.markets.festivals import festival_days
from livebase.sessions.languages import language_tracks, serving_region
from livebase.sessions.roster import Bookings, Host, RosterError, parse_roster, pick_host
from livebase.sessions.split import assign_variant, experiment_split
from livebase.sessions.themes import sunset, theme_for

MARKETS = load_markets()
DUBAI = ZoneInfo("Asia/Dubai")
ROSTER = Path(__file__).resolve().parents[2] / "flows" / "session_hosts.yaml"


def _utc(day: date, hour: int, minute: int = 0, zone: ZoneInfo = DUBAI) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def test_the_repository_roster_is_valid_and_covers_every_selling_market() -> None:
    hosts = parse_roster(ROSTER.read_text(), str(ROSTER))
    for market in ("sea", "mena", "eu", "na"):
        speakers = [h for h in hosts if market in h.markets and set(h.languages) & set(MARKETS[market].languages)]
        assert len(speakers) >= 2, market


def test_a_bad_roster_names_the_host_and_field() -> None:
    with pytest.raises(RosterError, match=r"host ana: max_hours_per_day"):
        parse_roster("hosts:\n  - {id: ana, markets: [eu], languages: [de], max_hours_per_day: 30}\n", "r.yaml")
    with pytest.raises(RosterError, match="listed twice"):
        parse_roster(
            "hosts:\n  - {id: ana, markets: [eu], languages: [de]}\n  - {id: ana, markets: [eu], languages: [de]}\n",
            "r",
        )
    with pytest.raises(RosterError, match="works_until"):
        parse_roster(
            "hosts:\n  - {id: ana, markets: [eu], languages: [de], works_from: '20:00', works_until: '10:00'}\n", "r"
        )


def test_no_double_booking_rest_daily_and_weekly_limits() -> None:
    host = Host(id="ana", markets=("mena",), languages=("ar",), max_hours_per_day=3, min_rest_minutes=60,
                max_sessions_per_week=3)  # fmt: skip
    bookings = Bookings()
    day = date(2026, 12, 7)  # a Monday
    bookings.book(host, _utc(day, 18), _utc(day, 20), "s1")
    assert bookings.refusal(host, _utc(day, 19), _utc(day, 21), DUBAI) == "double booking or rest limit"
    assert bookings.refusal(host, _utc(day, 20, 30), _utc(day, 21, 30), DUBAI) == "double booking or rest limit"
    assert bookings.refusal(host, _utc(day, 21), _utc(day, 23), DUBAI) == "hours per day"
    assert bookings.refusal(host, _utc(day, 21), _utc(day, 22), DUBAI) is None
    assert bookings.refusal(host, _utc(day, 7), _utc(day, 8), DUBAI) == "outside working hours"
    assert bookings.refusal(host, _utc(day, 23), _utc(day + timedelta(days=1), 1), DUBAI) == "outside working hours"
    bookings.book(host, _utc(day + timedelta(days=1), 18), _utc(day + timedelta(days=1), 20), "s2")
    bookings.book(host, _utc(day + timedelta(days=2), 18), _utc(day + timedelta(days=2), 20), "s3")
    assert bookings.refusal(host, _utc(day + timedelta(days=3), 18), _utc(day + timedelta(days=3), 20), DUBAI) == (
        "sessions per week"
    )
    next_monday = day + timedelta(days=7)
    assert bookings.refusal(host, _utc(next_monday, 18), _utc(next_monday, 20), DUBAI) is None


def test_pick_host_prefers_the_market_language_and_reports_refusals() -> None:
    arabic = Host(id="ar-host", markets=("mena",), languages=("ar",))
    english = Host(id="en-host", markets=("mena",), languages=("en",))
    elsewhere = Host(id="eu-host", markets=("eu",), languages=("ar",))
    bookings = Bookings()
    start, end = _utc(date(2026, 12, 7), 20), _utc(date(2026, 12, 7), 22)
    host, _ = pick_host([english, elsewhere, arabic], bookings, "mena", ("ar", "en"), start, end, DUBAI)
    assert host is arabic
    bookings.book(arabic, start, end, "s")
    host, refused = pick_host([english, arabic], bookings, "mena", ("ar", "en"), start, end, DUBAI)
    assert host is english and refused == {"ar-host": "double booking or rest limit"}


@pytest.mark.parametrize(
    ("market", "day", "festival"),
    [
        ("mena", date(2026, 2, 25), "ramadan"),  # Ramadan 1447: 18 Feb - 19 Mar 2026 (Umm al-Qura)
        ("mena", date(2027, 2, 15), "ramadan"),  # Ramadan 1448 starts ~8 Feb 2027: the festival moves
        ("mena", date(2026, 3, 20), "eid_al_fitr"),
        ("sea", date(2026, 4, 14), "songkran"),
        ("sea", date(2031, 4, 13), "songkran"),
        ("sea", date(2026, 11, 11), "singles_day"),
        ("eu", date(2026, 11, 27), "black_friday"),
        ("eu", date(2027, 11, 26), "black_friday"),
        ("na", date(2030, 12, 25), "christmas"),
    ],
)
def test_festival_days_are_themed_across_years(market: str, day: date, festival: str) -> None:
    theme = theme_for(MARKETS[market], day)
    assert theme is not None and theme.festival == festival and day in festival_days(festival, day.year)


def test_hari_raya_follows_the_islamic_calendar_in_sea_and_not_listed_festivals_are_ignored() -> None:
    for year in (2026, 2027, 2035):
        first = festival_days("hari_raya", year)[0]
        theme = theme_for(MARKETS["sea"], first)
        assert theme is not None and theme.festival == "hari_raya"
    assert theme_for(MARKETS["eu"], date(2026, 4, 14)) is None  # eu does not list Songkran
    assert theme_for(MARKETS["eu"], date(2026, 7, 1)) is None


def test_ramadan_sessions_start_after_iftar() -> None:
    day = date(2026, 3, 1)
    theme = theme_for(MARKETS["mena"], day)
    assert theme is not None and theme.not_before is not None and theme.past_midnight
    local_sunset = sunset(day, 25.20, 55.27).astimezone(DUBAI)
    assert time(18, 15) <= local_sunset.time() <= time(18, 35)  # Dubai, 1 March: about 18:25
    assert theme.not_before.astimezone(DUBAI) - local_sunset == timedelta(minutes=30)
    june = sunset(date(2026, 6, 21), 25.20, 55.27).astimezone(DUBAI)
    assert time(19, 5) <= june.time() <= time(19, 25)  # midsummer: about 19:14


def test_tracks_name_the_services_and_where_they_run() -> None:
    mena = language_tracks("ar", ("ar", "en"), "me-central-1")
    assert [(t.language, t.kind) for t in mena] == [("ar", "host"), ("en", "subtitles"), ("en", "dubbing")]
    assert all(s.endswith("@me-south-1") for s in mena[1].services) and "me-central-1 lacks it" in mena[1].note
    sea = language_tracks("en", ("en", "ms", "th", "id", "vi"), "ap-southeast-1")
    assert {t.language for t in sea if t.kind == "subtitles"} == {"ms", "th", "id", "vi"}
    assert not [t for t in sea if t.kind == "dubbing"]  # no synthetic voice for them: subtitles only
    eu = language_tracks("de", ("de", "fr", "en"), "eu-central-1")
    assert ("fr", "dubbing") in [(t.language, t.kind) for t in eu]
    assert all("@eu-central-1" in s for t in eu for s in t.services)
    assert serving_region("ivs", "me-central-1") == "ap-south-1"


def test_the_plan_split_names_arm_rooms_hosts_and_the_order_of_b() -> None:
    split = experiment_split("lineup_order", "eu-20261204-1", "eu-lena", "eu-jonas", ("A", "B", "C"))
    assert split.rooms == ("eu-20261204-1-A", "eu-20261204-1-B") and split.hosts == ("eu-lena", "eu-jonas")
    assert split.lineup_b == ("B", "C", "A") and "assign_variant" in split.rule
    viewers = [f"v_{n:020x}" for n in range(4000)]
    arms = [assign_variant(v, split.experiment_id, split.share_b) for v in viewers]
    assert arms == [assign_variant(v, split.experiment_id, split.share_b) for v in viewers]
    assert 0.46 < arms.count("B") / len(arms) < 0.54
    with pytest.raises(ValueError, match="none"):
        experiment_split("none", "s", "a", "b", ())
