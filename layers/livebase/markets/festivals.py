"""Market festival dates, computed for any year, and daily festival dummies for forecasting.

Why computed: a typed-in table silently runs out; Islamic festivals move ~11 days a year.

Islamic dates follow the Umm al-Qura calendar (Saudi Arabia's official one) as tabulated by
`hijridate`, 1 Muharram 1343 to 30 Dhu al-Hijjah 1500 AH (1 August 1924 to 16 November
2077). It gives the first day Saudi Arabia announced for each Ramadan, Eid al-Fitr and Eid
al-Adha of 2021-2025 and for the others checked in tests/unit/test_festivals.py (2019-2026);
countries that sight the moon themselves (Indonesia, Singapore, Brunei, Turkey...) often start
a day later. Outside the table the arithmetic (tabular) Hijri
calendar takes over: civil epoch 16 July 622 (Julian), leap years 2, 5, 7, 10, 13, 16, 18,
21, 24, 26, 29 of each 30-year cycle (Reingold & Dershowitz, *Calendrical Calculations*),
within +-1 day (occasionally 2) of observance. Either is good enough for a demand regressor
spanning several days; neither is a religious ruling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from hijridate import Gregorian, Hijri

from livebase.markets.config import Market

# Rata Die (date.toordinal) of 1 Muharram AH 1 on the civil epoch: 16 July 622 Julian.
_ISLAMIC_EPOCH = 227015
# The Gregorian days the Umm al-Qura table covers (hijridate's range).
_UMM_AL_QURA_FIRST = date(1924, 8, 1)
_UMM_AL_QURA_LAST = date(2077, 11, 16)


def _tabular_to_gregorian(year: int, month: int, day: int) -> date:
    ordinal = _ISLAMIC_EPOCH - 1 + (year - 1) * 354 + (3 + 11 * year) // 30 + 29 * (month - 1) + month // 2 + day
    return date.fromordinal(ordinal)


def _tabular_from_gregorian(value: date) -> tuple[int, int, int]:
    ordinal = value.toordinal()
    year = (30 * (ordinal - _ISLAMIC_EPOCH) + 10646) // 10631
    first_of_year = _tabular_to_gregorian(year, 1, 1).toordinal()
    month = min(12, int(np.ceil((ordinal - 29 - first_of_year) / 29.5)) + 1)
    day = ordinal - _tabular_to_gregorian(year, month, 1).toordinal() + 1
    return year, month, day


def hijri_to_gregorian(year: int, month: int, day: int) -> date:
    """Hijri date -> Gregorian date: Umm al-Qura within its table, tabular outside it."""
    if not (1 <= month <= 12 and 1 <= day <= 30 and year >= 1):
        raise ValueError(f"invalid Hijri date {year}-{month}-{day}")
    try:
        return date.fromordinal(Hijri(year, month, day).to_gregorian().toordinal())
    except OverflowError:  # a year outside the table: the tabular calendar
        pass
    except ValueError as error:  # e.g. day 30 of a 29-day Umm al-Qura month
        raise ValueError(f"invalid Hijri date {year}-{month}-{day}: {error}") from None
    value = _tabular_to_gregorian(year, month, day)
    if _UMM_AL_QURA_FIRST <= value <= _UMM_AL_QURA_LAST:
        # The tabular Dhu al-Hijjah 1342 runs into the table's first days, which are 1343's.
        raise ValueError(f"invalid Hijri date {year}-{month}-{day}: {value} is in the Umm al-Qura table")
    return value


def gregorian_to_hijri(value: date) -> tuple[int, int, int]:
    """Gregorian date -> Hijri (year, month, day): Umm al-Qura within its table, tabular outside it."""
    if _UMM_AL_QURA_FIRST <= value <= _UMM_AL_QURA_LAST:
        return Gregorian(value.year, value.month, value.day).to_hijri().datetuple()
    return _tabular_from_gregorian(value)


def _hijri_in_gregorian_year(year: int, month: int, day: int) -> list[date]:
    """Every Gregorian date in `year` falling on Hijri month/day (one, sometimes two)."""
    first_hijri_year = gregorian_to_hijri(date(year, 1, 1))[0]
    found = []
    for hijri_year in (first_hijri_year, first_hijri_year + 1):
        candidate = hijri_to_gregorian(hijri_year, month, day)
        if candidate.year == year:
            found.append(candidate)
    return found


def _span(start: date, days: int) -> list[date]:
    return [start + timedelta(days=k) for k in range(days)]


def _ramadan(year: int) -> list[date]:
    """1 Ramadan to the last day before 1 Shawwal, clipped to the Gregorian year."""
    first_hijri_year = gregorian_to_hijri(date(year, 1, 1))[0]
    days: list[date] = []
    for hijri_year in (first_hijri_year - 1, first_hijri_year, first_hijri_year + 1):
        start = hijri_to_gregorian(hijri_year, 9, 1)
        end = hijri_to_gregorian(hijri_year, 10, 1)
        days.extend(d for d in _span(start, (end - start).days) if d.year == year)
    return days


def _eid_al_fitr(year: int) -> list[date]:
    """1-3 Shawwal (Hari Raya Puasa / Aidilfitri in South-East Asia)."""
    return [d for s in _hijri_in_gregorian_year(year, 10, 1) for d in _span(s, 3)]


def _eid_al_adha(year: int) -> list[date]:
    """10-13 Dhu al-Hijjah (Hari Raya Haji in South-East Asia)."""
    return [d for s in _hijri_in_gregorian_year(year, 12, 10) for d in _span(s, 4)]


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November (US Thanksgiving)."""
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


@dataclass(frozen=True)
class Festival:
    """A named festival: its days in a given Gregorian year."""

    name: str
    description: str
    days_in: Callable[[int], list[date]]


FESTIVALS: dict[str, Festival] = {
    f.name: f
    for f in (
        Festival("ramadan", "Ramadan (month of fasting), 1 Ramadan to the eve of Eid", _ramadan),
        Festival("eid_al_fitr", "Eid al-Fitr, 1-3 Shawwal", _eid_al_fitr),
        Festival("hari_raya", "Hari Raya Puasa / Aidilfitri (= Eid al-Fitr), 1-3 Shawwal", _eid_al_fitr),
        Festival("eid_al_adha", "Eid al-Adha, 10-13 Dhu al-Hijjah", _eid_al_adha),
        Festival("hari_raya_haji", "Hari Raya Haji (= Eid al-Adha), 10-13 Dhu al-Hijjah", _eid_al_adha),
        Festival("songkran", "Songkran (Thai New Year), 13-15 April", lambda y: _span(date(y, 4, 13), 3)),
        Festival("singles_day", "Singles' Day / 11.11 sales, 11 November", lambda y: [date(y, 11, 11)]),
        Festival("black_friday", "Black Friday to Cyber Monday", lambda y: _span(black_friday(y), 4)),
        Festival("christmas", "Christmas Eve to Boxing Day, 24-26 December", lambda y: _span(date(y, 12, 24), 3)),
    )
}


def festival_days(name: str, year: int) -> list[date]:
    """The days of festival `name` in Gregorian `year`, sorted."""
    try:
        festival = FESTIVALS[name]
    except KeyError:
        raise ValueError(f"unknown festival {name!r}; known: {sorted(FESTIVALS)}") from None
    return sorted(festival.days_in(year))


def festival_frame(names: Iterable[str], start: date, end: date, lead_days: int = 7) -> pd.DataFrame:
    """Daily 0/1 regressors from `start` to `end` inclusive, one column per festival.

    `fest_<name>` marks the festival days; with `lead_days` > 0, `pre_<name>` marks the
    `lead_days` days before each occurrence (shopping happens before a festival).
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    index = pd.date_range(start, end, freq="D", name="ds")
    frame = pd.DataFrame(index=index)
    for name in dict.fromkeys(names):
        days = {d for year in range(start.year - 1, end.year + 2) for d in festival_days(name, year)}
        on = index.isin(pd.DatetimeIndex(sorted(days)))
        frame[f"fest_{name}"] = on.astype(np.float64)
        if lead_days > 0:
            lead = {d - timedelta(days=k) for d in days for k in range(1, lead_days + 1)} - days
            frame[f"pre_{name}"] = index.isin(pd.DatetimeIndex(sorted(lead))).astype(np.float64)
    return frame


def market_festival_frame(market: Market, start: date, end: date, lead_days: int = 7) -> pd.DataFrame:
    """Festival regressors for the festivals a market's config lists (`cultural_rules.festivals`)."""
    return festival_frame(market.cultural_rules.festivals, start, end, lead_days)
