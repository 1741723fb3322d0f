"""The local feed never lets the day run out of rates (issue 30): for any day, today or a year or two
ahead, the recorded ECB reply replayed up to it gives rates the roll-up accepts on that day, with a
cover above hq's alarm; the committed file alone is refused a year ahead (the stale refusal stays).
Fixed dates: nothing here depends on the machine's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from livebase.aggregates.fx_source import fx_days
from livebase.aggregates.rates import COVER_ALARM_DAYS, RateTable, StaleRates
from livebase.markets.config import hq_market, load_markets, selling_markets
from livebase_local.fx_feed import replayed_reply, write_feed

MARKETS = load_markets()
HQ = hq_market(MARKETS).currency
CURRENCIES = {m.currency for m in selling_markets(MARKETS)}
DAY = date(2026, 12, 7)  # the day this was written; the feed works from any day


def feed_table(today: date) -> RateTable:
    """What the fx-rates flow stores from the feed replayed to ``today`` (its days as a table)."""
    fetched = datetime.combine(today, time(12), UTC)
    return RateTable.from_days(fx_days(replayed_reply(today), HQ, CURRENCIES, "file:///feed.xml", fetched), HQ, "feed")


@pytest.mark.parametrize("ahead", [0, 365, 366, 2 * 365 + 5])
def test_the_feed_has_the_day_s_rates_a_year_ahead_and_the_rollup_accepts_them(ahead: int) -> None:
    today = DAY + timedelta(days=ahead)
    rollup = RateTable.load().merged(feed_table(today))  # hq_rates: the store over the committed file
    for currency in CURRENCIES - {HQ}:
        dated = rollup.rate(currency, HQ, today)
        assert 0 <= (today - dated.on).days <= 3  # a weekend carries Friday's publication
    assert rollup.days_of_cover(CURRENCIES, today) > COVER_ALARM_DAYS


def test_a_year_ahead_the_committed_file_alone_is_refused() -> None:
    ahead = DAY + timedelta(days=365)
    currency = sorted(CURRENCIES - {HQ})[0]
    with pytest.raises(StaleRates, match=f"days older than {ahead.isoformat()}"):
        RateTable.load().rate(currency, HQ, ahead)


def test_the_feed_file_is_written_for_the_day_asked(tmp_path: object) -> None:
    from pathlib import Path

    ahead = DAY + timedelta(days=365)  # a Tuesday
    path = write_feed(Path(str(tmp_path)), ahead)
    days = fx_days(path.read_bytes(), HQ, CURRENCIES, path.as_uri(), datetime.combine(ahead, time(12), UTC))
    assert max(d.published for d in days) == ahead and "replayed by the local feed" in days[-1].publisher
