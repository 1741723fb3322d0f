"""The demand-forecasting flow under the Prefect test harness, with in-memory market I/O."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from prefect.task_runners import ThreadPoolTaskRunner

import flows.demand_forecasting as flow_module
from flows.demand_forecasting import demand_forecasting, forecast_chunk
from flows.markets import MARKETS
from livebase.forecasting.result import DEFAULT_LEVEL
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase.stores.forecasts import StoredForecast


def _history(days: int) -> dict[str, list[int]]:
    rng = np.random.default_rng(3)
    t = np.arange(days)
    weekly = 1 + 0.4 * (t % 7 == 5)
    series = {f"sku-{i}": list(rng.poisson(20 * (i + 1) * weekly)) for i in range(3)}
    series["sku-rare"] = list(np.where(rng.random(days) < 0.1, 2, 0))
    series["sku-none"] = [0] * days
    return series


@pytest.fixture()
def market_io(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    written: dict[str, bytes] = {}
    reads: list[tuple[str, date, date]] = []
    stored: dict[str, list[StoredForecast]] = {}

    def resolve(market_id: str) -> MarketResources:  # no stack to describe: names of its own
        names = {field: f"{market_id}-{field}" for field in OUTPUTS}
        return MarketResources(market=market_id, region=MARKETS[market_id].region, **names)

    def read(resources: MarketResources, start: date, end: date) -> dict[str, list[int]]:
        reads.append((resources.market, start, end))
        return _history((end - start).days)

    def write(resources: MarketResources, key: str, body: bytes) -> str:
        written[f"{resources.market}:{key}"] = body
        return f"s3://bucket-{resources.market}/{key}"

    def write_items(resources: MarketResources, forecasts: list[StoredForecast]) -> int:
        stored.setdefault(resources.market, []).extend(forecasts)
        return len(forecasts)

    monkeypatch.setattr(flow_module, "resolve_market_resources", resolve)
    monkeypatch.setattr(flow_module, "read_daily_units", read)
    monkeypatch.setattr(flow_module, "write_forecast_csv", write)
    monkeypatch.setattr(flow_module, "write_forecast_items", write_items)
    plans: list[tuple[str, date, date]] = []

    def read_plans(resources: MarketResources, first: date, last: date) -> dict[str, Any]:
        plans.append((resources.market, first, last))  # no session plan stored yet
        return {}

    monkeypatch.setattr(flow_module, "read_plan_regressors", read_plans)
    return {"written": written, "reads": reads, "stored": stored, "plans": plans}


def test_forecast_chunk_with_festival_regressors() -> None:
    start = date(2025, 1, 1)
    rows = forecast_chunk.fn("mena", _history(400), start, 14, True)
    assert len(rows) == 5 * 14
    first = [r for r in rows if r["id"] == "sku-0"]
    assert first[0]["ds"] == (start + timedelta(days=400)).isoformat()
    assert "fest_ramadan" in first[0]["model"]
    assert all(r["lower"] <= r["mean"] <= r["upper"] for r in rows)
    none = [r for r in rows if r["id"] == "sku-none"]
    assert all(r["mean"] == 0 for r in none)


@pytest.mark.slow
def test_flow_forecasts_each_market_and_writes_in_its_region(prefect_harness: None, market_io: dict[str, Any]) -> None:
    # Threads here: the in-memory market I/O (monkeypatched) does not reach worker processes.
    run = demand_forecasting.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))  # type: ignore[arg-type]
    result = run(
        markets=["sea", "eu"], history_days=120, horizon_days=14, chunk_size=2,
        backtest_skus=3, plotted_skus=2, as_of=date(2026, 11, 20),
    )  # fmt: skip
    assert [s.market for s in result] == ["sea", "eu"]
    assert all(s.skus == 5 and s.failed == 0 for s in result)
    assert set(market_io["written"]) == {
        "sea:forecasts/demand/2026-11-20/sea.csv",
        "eu:forecasts/demand/2026-11-20/eu.csv",
    }
    body = market_io["written"]["eu:forecasts/demand/2026-11-20/eu.csv"].decode()
    assert body.splitlines()[0].startswith("id,ds,step,mean,lower,upper,sigma")
    assert len(body.splitlines()) == 1 + 5 * 14
    accuracy = result[0].accuracy[0]
    assert accuracy["market"] == "sea" and accuracy["series"] == 3 and accuracy["mase_snaive"] > 0
    # one stored forecast per successfully forecast SKU, per market, starting the day after the run
    assert set(market_io["stored"]) == {"sea", "eu"} and all(s.stored == 5 for s in result)
    for forecasts in market_io["stored"].values():
        assert sorted(f.sku for f in forecasts) == sorted(_history(1))
        assert all(f.run_date == date(2026, 11, 20) and f.start == date(2026, 11, 21) for f in forecasts)
        assert all(len(f.mean) == 14 and f.level == DEFAULT_LEVEL and f.model for f in forecasts)
    eu = {f.sku: f for f in market_io["stored"]["eu"]}
    rows = [line.split(",") for line in body.splitlines()[1:] if line.startswith("sku-2,")]
    assert eu["sku-2"].mean == pytest.approx(tuple(float(r[3]) for r in rows))
