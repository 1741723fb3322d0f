"""Festival sessions: which of the market's festivals a local day falls in, and what that changes.

Dates come from ``livebase.markets.festivals`` (computed for any year; Islamic ones on the Umm
al-Qura calendar). Only the festivals the market's ``cultural_rules.festivals`` lists are themed.
Ramadan sessions start after iftar (sunset, computed for the market's reference city, plus
``IFTAR_MINUTES``) and may run past midnight; Eid evenings start from 17:00; every festival day
gets one extra session.

Sunset: the standard sunrise equation (solar declination and equation of time from the mean
anomaly; -0.833 degrees for refraction and the solar disc), within a couple of minutes at these
latitudes: enough to place a session after iftar, not a prayer timetable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from livebase.markets.config import Market
from livebase.markets.festivals import festival_days

IFTAR_MINUTES = 30  # the meal after sunset, before anyone watches a show
# Reference city (latitude, longitude east) of each market time zone that keeps Ramadan.
REFERENCE_CITIES: dict[str, tuple[float, float]] = {
    "Asia/Dubai": (25.20, 55.27),
    "Asia/Riyadh": (24.71, 46.68),
    "Asia/Qatar": (25.29, 51.53),
    "Asia/Kuwait": (29.37, 47.98),
    "Asia/Bahrain": (26.23, 50.59),
    "Asia/Muscat": (23.59, 58.41),
    "Asia/Singapore": (1.35, 103.82),
    "Asia/Kuala_Lumpur": (3.14, 101.69),
    "Asia/Jakarta": (-6.21, 106.85),
}
TITLES = {
    "ramadan": "Ramadan night (after iftar)",
    "eid_al_fitr": "Eid al-Fitr evening",
    "eid_al_adha": "Eid al-Adha evening",
    "hari_raya": "Hari Raya",
    "hari_raya_haji": "Hari Raya Haji",
    "songkran": "Songkran",
    "singles_day": "11.11",
    "black_friday": "Black Friday",
    "christmas": "Christmas",
}
_PRIORITY = ("eid_al_fitr", "eid_al_adha", "hari_raya", "hari_raya_haji", "singles_day", "black_friday",
             "christmas", "songkran", "ramadan")  # fmt: skip


def sunset(day: date, latitude: float, longitude: float) -> datetime:
    """UTC sunset on ``day`` at the given place (sunrise equation)."""
    n = day.toordinal() - date(2000, 1, 1).toordinal()
    mean_noon = n - longitude / 360.0
    anomaly = math.radians((357.5291 + 0.98560028 * mean_noon) % 360)
    centre = 1.9148 * math.sin(anomaly) + 0.02 * math.sin(2 * anomaly) + 0.0003 * math.sin(3 * anomaly)
    ecliptic = math.radians((math.degrees(anomaly) + centre + 180 + 102.9372) % 360)
    transit = 2451545.0 + mean_noon + 0.0053 * math.sin(anomaly) - 0.0069 * math.sin(2 * ecliptic)
    declination = math.asin(math.sin(ecliptic) * math.sin(math.radians(23.4397)))
    phi = math.radians(latitude)
    cos_hour = (math.sin(math.radians(-0.833)) - math.sin(phi) * math.sin(declination)) / (
        math.cos(phi) * math.cos(declination)
    )
    hour_angle = math.degrees(math.acos(max(-1.0, min(1.0, cos_hour))))
    julian = transit + hour_angle / 360.0
    return datetime(2000, 1, 1, 12, tzinfo=UTC) + timedelta(days=julian - 2451545.0)


@dataclass(frozen=True)
class Theme:
    festival: str
    title: str
    not_before: datetime | None = None  # UTC: no session starts earlier (iftar)
    earliest: time | None = None  # local: evening-only festivals
    past_midnight: bool = False  # sessions may end after local midnight (until 01:30)
    extra_sessions: int = 1


@cache
def _days(name: str, year: int) -> frozenset[date]:
    return frozenset(festival_days(name, year))


def theme_for(market: Market, day: date) -> Theme | None:
    """The theme of a local day in a market: the highest-priority listed festival on it, if any."""
    listed = [name for name in _PRIORITY if name in market.cultural_rules.festivals]
    for name in listed:
        if day not in _days(name, day.year):
            continue
        if name == "ramadan":
            lat, lon = REFERENCE_CITIES.get(market.time_zone, (25.20, 55.27))
            iftar = sunset(day, lat, lon) + timedelta(minutes=IFTAR_MINUTES)
            return Theme(name, TITLES[name], not_before=iftar, past_midnight=True)
        if name in ("eid_al_fitr", "eid_al_adha"):
            return Theme(name, TITLES[name], earliest=time(17, 0))
        return Theme(name, TITLES.get(name, name))
    return None
