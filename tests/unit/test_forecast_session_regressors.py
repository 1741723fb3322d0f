"""demand-forecasting's new inputs: session-plan regressors and the yearly pattern (forecast_chunk.fn, no I/O)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from flows.demand_forecasting import forecast_chunk
from livebase.forecasting.yearly import yearly_factors

START = date(2024, 1, 1)


def _plan(days: list[date]) -> dict[str, dict[date, dict[str, float]]]:
    return {"sku-live": {d: {"session": 1.0, "presale": 0.0} for d in days}}


def test_a_planned_session_lifts_the_forecast_of_its_day_only() -> None:
    rng = np.random.default_rng(7)
    days = 240
    shown = [START + timedelta(days=int(d)) for d in rng.choice(days, 40, replace=False)]
    units = rng.poisson(10.0, days).astype(int)
    for d in shown:
        units[(d - START).days] = rng.poisson(40.0)  # a session sells 4x
    series = {"sku-live": [int(u) for u in units]}
    ahead = START + timedelta(days=days + 3)  # the 4th day of the horizon has a planned session
    with_plan = forecast_chunk.fn("eu", series, START, 7, False, _plan([*shown, ahead]), False)
    without = forecast_chunk.fn("eu", series, START, 7, False, None, False)
    mean = {r["ds"]: r["mean"] for r in with_plan}
    plain = {r["ds"]: r["mean"] for r in without}
    assert mean[ahead.isoformat()] > 30 and plain[ahead.isoformat()] < 20
    other = (ahead + timedelta(days=1)).isoformat()
    assert abs(mean[other] - plain[other]) < 5
    assert "session" in with_plan[0]["model"]


def test_yearly_pattern_is_found_on_two_years_and_refused_on_noise_or_short_history() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(3 * 365)
    seasonal = 20 * (1 + 0.5 * np.sin(2 * np.pi * t / 365.25))
    factors = yearly_factors(rng.poisson(seasonal).astype(float), pd.Timestamp("2022-01-01"), 60)
    assert factors is not None and factors.size == t.size + 60
    assert 1.3 < factors[91] < 1.7 and 0.5 < factors[273] < 0.8  # April high, October low
    assert yearly_factors(rng.poisson(20.0, 3 * 365).astype(float), pd.Timestamp("2022-01-01"), 60) is None
    assert yearly_factors(rng.poisson(seasonal[:400]).astype(float), pd.Timestamp("2022-01-01"), 60) is None


def test_forecast_chunk_carries_the_yearly_pattern_into_the_horizon() -> None:
    rng = np.random.default_rng(2)
    t = np.arange(2 * 365 + 200)  # ends in mid-July of the third year
    rate = 30 * (1 + 0.6 * np.sin(2 * np.pi * (t - 80) / 365.25))  # peak near late June
    series = {"sku-season": [int(u) for u in rng.poisson(rate)]}
    horizon = 60
    yearly = forecast_chunk.fn("eu", series, START, horizon, False, None, True)
    flat = forecast_chunk.fn("eu", series, START, horizon, False, None, False)
    truth = 30 * (1 + 0.6 * np.sin(2 * np.pi * (np.arange(t.size, t.size + horizon) - 80) / 365.25))
    error_yearly = np.mean(np.abs(np.array([r["mean"] for r in yearly]) - truth))
    error_flat = np.mean(np.abs(np.array([r["mean"] for r in flat]) - truth))
    assert error_yearly < error_flat and "yearly pattern" in yearly[0]["model"]
