"""The ECB's reference-rate files, parsed: the recorded replies under tests/fixtures/ecb/ are in the real
format of https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml and eurofxref-hist-90d.xml
(envelope, namespaces, single- and double-quoted attributes as each file prints them); their values are
the project's calendar (this machine cannot reach the ECB)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from livebase.aggregates.fx_source import ECB_DAILY_URL, FxSourceError, fx_days, parse_ecb, reply_digest
from livebase.aggregates.rates import RateTable, StaleRates

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ecb"
DAILY = (FIXTURES / "eurofxref-daily.xml").read_bytes()
HISTORY = (FIXTURES / "eurofxref-hist-90d.xml").read_bytes()
FETCHED = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)


def test_the_daily_reply_gives_one_publication_with_every_currency_per_euro() -> None:
    publisher, [day] = parse_ecb(DAILY)
    assert publisher == "European Central Bank"
    assert day.day == date(2026, 12, 4)
    assert day.per_euro["USD"] == Decimal("1.0574") and day.per_euro["SGD"] > 0
    assert "EUR" not in day.per_euro and "AED" not in day.per_euro and len(day.per_euro) == 29


def test_rates_into_usd_carry_their_provenance_and_aed_comes_through_its_peg() -> None:
    [day] = fx_days(DAILY, "USD", ["EUR", "SGD", "AED", "USD"], ECB_DAILY_URL, FETCHED)
    assert day.published == date(2026, 12, 4) and day.base == "USD"
    assert day.source_url == ECB_DAILY_URL and day.fetched_at == FETCHED and day.digest == reply_digest(DAILY)
    assert day.publisher == "European Central Bank"
    assert day.rates["EUR"] == Decimal("1.0574")  # 1 EUR in USD, as published
    sgd = Decimal("1.0574") / parse_ecb(DAILY)[1][0].per_euro["SGD"]
    assert abs(day.rates["SGD"] - sgd) < Decimal("0.00000001")
    assert day.rates["AED"] == (Decimal(1) / Decimal("3.6725")).quantize(Decimal("0.00000001"))
    assert set(day.derived) == {"AED"} and "3.6725" in day.derived["AED"]


def test_the_90_day_history_has_no_weekend_and_a_weekend_carries_fridays_publication() -> None:
    days = fx_days(HISTORY, "USD", ["EUR", "SGD", "AED"], "file://h", FETCHED)
    published = [d.published for d in days]
    assert published == sorted(published) and published[-1] == date(2026, 12, 4)
    assert all(d.weekday() < 5 for d in published) and date(2026, 11, 28) not in published  # a Saturday
    table = RateTable.from_days(days, "USD", "store")
    friday = next(d for d in days if d.published == date(2026, 11, 27))
    for weekend_day in (date(2026, 11, 28), date(2026, 11, 29)):
        rate = table.rate("EUR", "USD", weekend_day)
        assert rate.on == date(2026, 11, 27) and rate.rate == friday.rates["EUR"].quantize(Decimal("0.000001"))
    assert table.rate("EUR", "USD", date(2026, 12, 1)).on == date(2026, 12, 1)  # a business day: its own rate


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (b"<html><body>maintenance</body></html>", "gesmes:Envelope"),
        (DAILY[:400], "not well-formed"),
        (DAILY.replace(b"rate='1.0574'", b"rate='-1.0574'"), r"Cube\[0\].Cube\[0\]: rate must be a positive"),
        (DAILY.replace(b"rate='1.0574'", b"rate='abc'"), r"Cube\[0\].Cube\[0\]: rate is not a decimal"),
        (DAILY.replace(b"time='2026-12-04'", b"time='2026-13-40'"), r"Cube\[0\]: time is not a date"),
        (DAILY.replace(b"currency='USD'", b"currency='usd1'"), "three-letter code"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + DAILY[39:], "DTD"),
        (DAILY.replace(b"<Cube time='2026-12-04'>", b"<Cube time='2026-12-04'></Cube><Cube>"), "without rates"),
        (b"x" * 2_000_001, "bytes, over"),
    ],
)
def test_a_malformed_reply_is_refused_whole_with_where_never_the_value(reply: bytes, reason: str) -> None:
    with pytest.raises(FxSourceError, match=reason) as refused:
        fx_days(reply, "USD", ["EUR"], ECB_DAILY_URL, FETCHED)
    assert "abc" not in str(refused.value) and "-1.0574" not in str(refused.value)


def test_a_currency_neither_published_nor_pegged_is_refused_not_left_out() -> None:
    with pytest.raises(FxSourceError, match="no QAR rate"):
        fx_days(DAILY, "USD", ["QAR"], ECB_DAILY_URL, FETCHED)


def test_rates_older_than_the_markets_max_age_are_refused_with_the_day_they_stopped() -> None:
    table = RateTable.from_days(fx_days(DAILY, "USD", ["EUR"], "f", FETCHED), "USD", "store").with_max_age(10)
    assert table.rate("EUR", "USD", date(2026, 12, 14)).on == date(2026, 12, 4)
    with pytest.raises(StaleRates, match="EUR rates stopped on 2026-12-04") as stale:
        table.rate("EUR", "USD", date(2026, 12, 15))
    assert stale.value.stopped == date(2026, 12, 4) and stale.value.max_age_days == 10
    assert table.days_of_cover(["EUR"], date(2026, 12, 7)) == 7
    assert table.days_of_cover(["EUR", "SGD"], date(2026, 12, 7)) == -1  # SGD never published here
    assert table.days_of_cover(["USD"], date(2027, 12, 7)) == 10  # the base never runs out
