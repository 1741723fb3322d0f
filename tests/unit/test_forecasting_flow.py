"""The demand-forecasting flow under the Prefect test harness, with in-memory market I/O."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from prefect.task_runners import ThreadPoolTaskRunner

import flows.demand_forecasting as flow_module
from flows.demand_forecasting import demand_forecasting, forecast_chunk


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

    def read(market_id: str, start: date, end: date) -> dict[str, list[int]]:
        reads.append((market_id, start, end))
        return _history((end - start).days)

    def write(market_id: str, key: str, body: bytes) -> str:
        written[f"{market_id}:{key}"] = body
        return f"s3://bucket-{market_id}/{key}"

    monkeypatch.setattr(flow_module, "read_daily_units", read)
    monkeypatch.setattr(flow_module, "write_forecast_csv", write)
    return {"written": written, "reads": reads}


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
