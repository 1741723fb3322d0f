"""livebase.aggregates: the export to hq has no viewer rows, no cell below k, dated converted money."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from livebase.aggregates.export import MIN_K, AggregateCell, MarketExport, market_export
from livebase.aggregates.rates import DatedRate, RateError, RateTable
from livebase.aggregates.rollup import hq_rollup
from livebase.lifecycle.analysis import analyse
from livebase.lifecycle.frame import validate

AS_OF = date(2026, 11, 30)
RATES = RateTable.parse({
    "base": "USD",
    "rates": {"EUR": [{"date": "2026-10-30", "rate": "1.0890"}, {"date": "2026-11-27", "rate": "1.0570"}]},
})  # fmt: skip
VIEWER_ID = re.compile(r"v_[0-9a-f]{16,64}")


def orders(viewers: int, count: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    end = pd.Timestamp(AS_OF, tz="UTC")
    return validate(pd.DataFrame({
        "viewer_id": [f"v_{n:032x}" for n in rng.integers(0, viewers, count)],
        "placed_at": end - pd.to_timedelta(rng.integers(0, 200 * 86400, count), unit="s"),
        "total": rng.gamma(2.0, 15.0, count).round(2),
        "status": rng.choice(["placed", "rejected", "cancelled"], count, p=[0.9, 0.05, 0.05]),
        "channel": rng.choice(["room", "share_link", "campaign"], count, p=[0.6, 0.3, 0.1]),
        "campaign": None,
    }))  # fmt: skip


def export_of(frame: pd.DataFrame, k: int = 10) -> MarketExport:
    return market_export("eu", analyse(frame, AS_OF), RATES.rate("EUR", "USD", AS_OF), k=k)


def test_every_cell_is_behind_at_least_k_viewers_and_small_ones_are_counted() -> None:
    export = export_of(orders(400, 3000), k=25)
    assert export.cells and all(c.viewers >= 25 for c in export.cells)
    assert export.suppressed_cells > 0  # late cohort months are small
    assert all(c.dimension != "cohort" or c.viewers >= 25 for c in export.cells)


def test_no_viewer_id_can_appear_anywhere_in_the_export() -> None:
    frame = orders(300, 2000)
    document = export_of(frame).model_dump_json()
    assert not VIEWER_ID.search(document)
    assert "viewer_id" not in document
    with pytest.raises(ValidationError, match="key"):
        AggregateCell(dimension="segment", key="v_00112233445566778899", metric="viewers", viewers=50, value=1)
    with pytest.raises(ValidationError, match="extra"):
        AggregateCell.model_validate(
            {"dimension": "market", "key": "all", "metric": "buyers", "viewers": 50, "value": 1, "viewer_id": "x"}
        )


def test_the_schema_refuses_a_cell_below_k_and_a_k_below_the_minimum() -> None:
    small = AggregateCell(dimension="stage", key="dormant", metric="viewers", viewers=3, value=3)
    with pytest.raises(ValidationError, match="fewer than k=10"):
        MarketExport(market="eu", as_of=AS_OF, k=10, cells=(small,), suppressed_cells=0)
    with pytest.raises(ValidationError, match="k"):
        MarketExport(market="eu", as_of=AS_OF, k=MIN_K - 1, cells=(), suppressed_cells=0)


def test_a_market_below_k_exports_nothing_but_the_count_of_what_it_held_back() -> None:
    export = export_of(orders(6, 30))
    assert export.cells == () and export.suppressed_cells > 0


def test_a_lone_small_segment_is_not_given_away_by_the_market_total() -> None:
    base = datetime(2026, 11, 29, tzinfo=UTC)
    rows: list[dict[str, Any]] = [  # 30 new buyers and 3 churned ones: the churned stage is small
        {"viewer_id": f"v_{n:032x}", "placed_at": base, "total": 10, "status": "placed"} for n in range(30)
    ] + [{"viewer_id": f"v_{n:032x}", "placed_at": base - timedelta(days=200), "total": 10, "status": "placed"}
         for n in range(30, 33)]  # fmt: skip
    export = export_of(validate(pd.DataFrame(rows)))
    stages = {c.key for c in export.cells if c.dimension == "stage"}
    assert export.cell("market", "all", "buyers") is not None
    assert "churned" not in stages and "new" not in stages  # total - new would reveal churned


def test_gmv_is_converted_with_the_rate_and_its_date_beside_it() -> None:
    frame = orders(500, 4000)
    lifecycle = analyse(frame, AS_OF)
    cell = market_export("eu", lifecycle, RATES.rate("EUR", "USD", AS_OF)).cell("market", "all", "gmv")
    assert cell is not None and cell.money is not None
    assert cell.money.rate == Decimal("1.057000") and cell.money.rate_date == date(2026, 11, 27)
    assert cell.money.local == Decimal(str(lifecycle.gmv)).quantize(Decimal("0.01"))
    assert cell.money.hq == (cell.money.local * Decimal("1.057")).quantize(Decimal("0.01"))
    assert (cell.money.local_currency, cell.money.hq_currency) == ("EUR", "USD")


def test_rates_take_the_latest_dated_on_or_before_and_refuse_stale_or_missing_ones() -> None:
    assert RATES.rate("EUR", "USD", date(2026, 11, 10)).on == date(2026, 10, 30)
    assert RATES.rate("USD", "USD", AS_OF).rate == 1
    with pytest.raises(RateError, match="no SGD rate"):
        RATES.rate("SGD", "USD", AS_OF)
    with pytest.raises(RateError, match="over 45 days"):
        RATES.rate("EUR", "USD", date(2027, 3, 1))
    with pytest.raises(RateError, match=r"rates.EUR\[0\].rate"):
        RateTable.parse({"base": "USD", "rates": {"EUR": [{"date": "2026-11-27", "rate": "-1"}]}})


def test_the_committed_rate_table_covers_every_selling_market_currency() -> None:
    from livebase.markets.config import hq_market, load_markets, selling_markets

    table = RateTable.load()
    hq = hq_market(load_markets())
    for market in selling_markets(load_markets()):
        rate = table.rate(market.currency, hq.currency, date(2026, 12, 1))
        assert isinstance(rate, DatedRate) and rate.rate > 0


def test_hq_rollup_sums_markets_and_keeps_blanks_blank() -> None:
    big = export_of(orders(500, 4000))
    tiny = market_export("sea", analyse(orders(4, 10), AS_OF), DatedRate("SGD", "USD", Decimal("0.75"), AS_OF, "t"))
    rows = {r.market: r for r in hq_rollup([big, tiny], "USD")}
    assert rows["sea"].gmv_hq is None and "suppressed" in rows["sea"].line()
    assert rows["all"].orders == rows["eu"].orders and rows["all"].gmv_hq == rows["eu"].gmv_hq
    assert "1 EUR = 1.057000 USD (2026-11-27)" in rows["eu"].line()
    json.dumps([r.line() for r in rows.values()])


def test_the_screen_finds_personal_strings_but_not_long_figures() -> None:
    from livebase.aggregates.screen import personal_data_in

    export = export_of(orders(500, 4000))
    assert personal_data_in(export.model_dump_json()) == []  # floats like 0.7142857142857143 are figures
    assert "a pseudonymous viewer id" in personal_data_in('{"note": "v_00112233445566778899aabb"}')
    assert personal_data_in('{"viewer_id": 1}') == ["a field named 'viewer_id'"]
    assert personal_data_in('{"k": "call +49 30 1234 5678"}') == [
        "something shaped like an email address or phone number"
    ]
    assert personal_data_in("not json: a@b.de") == ["something shaped like an email address or phone number"]
