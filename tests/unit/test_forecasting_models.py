"""The model pieces behind `forecast`: fits recover known structure, metrics match definitions."""

from __future__ import annotations

import numpy as np
import pytest

from livebase.forecasting.airline import fit_airline
from livebase.forecasting.arima import fit_arima
from livebase.forecasting.intermittent import classify, fit_intermittent
from livebase.forecasting.metrics import mase, mase_scale, msis, paired_interval, seasonal_naive, smape
from livebase.forecasting.pool import fit_pool
from livebase.forecasting.seasonal_arima import fit_seasonal_arima
from livebase.forecasting.seasonality import Deseasonaliser, is_seasonal, seasonal_indices
from livebase.forecasting.smoothing import fit_smoothing
from livebase.forecasting.theta import theta_forecast

RNG = np.random.default_rng(7)


def _ses_series(alpha: float, n: int = 400, level: float = 100.0) -> np.ndarray:
    out = np.empty(n)
    for t in range(n):
        err = RNG.normal(0, 1)
        out[t] = level + err
        level += alpha * err
    return out


def test_ses_recovers_its_smoothing_constant() -> None:
    for alpha in (0.1, 0.5, 0.9):
        fit = fit_smoothing(_ses_series(alpha), "ses")
        assert abs(fit.alpha - alpha) < 0.15
        assert fit.sigma2 == pytest.approx(1.0, rel=0.25)


def test_initial_states_are_solved_exactly() -> None:
    line = 7.0 + 3.0 * np.arange(30, dtype=np.float64)
    fit = fit_smoothing(line, "holt")
    assert fit.sse < 1e-12  # a noiseless line is fitted perfectly by its initial level and trend
    assert fit.forecast(2) == pytest.approx([97.0, 100.0])
    flat = fit_smoothing(np.full(20, 4.0), "ses")
    assert flat.sse < 1e-12 and flat.forecast(3) == pytest.approx([4.0] * 3)


def test_damped_forecast_flattens_and_aicc_prefers_the_simpler_model_on_noise() -> None:
    y = 50 + np.cumsum(np.linspace(2, 0, 60)) + RNG.normal(0, 0.5, 60)
    damped = fit_smoothing(y, "damped")
    steps = np.diff(damped.forecast(40))
    assert steps[-1] < steps[0]
    noise = 10 + RNG.normal(0, 1, 40)
    assert fit_smoothing(noise, "ses").aicc < fit_smoothing(noise, "damped").aicc
    with pytest.raises(ValueError, match="unknown smoothing kind"):
        fit_smoothing(noise, "holt-winters")


def test_theta_adds_half_the_trend() -> None:
    y = 20 + 1.5 * np.arange(50) + RNG.normal(0, 0.1, 50)
    forecast = theta_forecast(y, 5)
    assert np.all(np.diff(forecast) == pytest.approx(0.75, rel=0.05))


def test_seasonality_test_and_indices() -> None:
    t = np.arange(96)
    seasonal = 100 * (1 + 0.25 * np.cos(2 * np.pi * t / 12)) + RNG.normal(0, 1, 96)
    assert is_seasonal(seasonal, 12)
    assert not is_seasonal(100 + RNG.normal(0, 1, 96), 12)
    assert not is_seasonal(seasonal[:20], 12)  # fewer than two seasons
    indices = seasonal_indices(seasonal, 12, multiplicative=True)
    assert indices.mean() == pytest.approx(1.0)
    assert indices[0] == pytest.approx(1.25, abs=0.03) and indices[6] == pytest.approx(0.75, abs=0.03)
    deseason = Deseasonaliser(seasonal, 12)
    assert deseason.active and deseason.multiplicative
    flat = deseason.remove(seasonal)
    assert np.std(flat) < 0.1 * np.std(seasonal)
    assert deseason.restore(flat[-12:], start=84) == pytest.approx(seasonal[-12:])


def test_additive_decomposition_when_there_are_zeros() -> None:
    t = np.arange(70)
    y = np.maximum(5 + 4 * (t % 7 == 5) + RNG.normal(0, 0.3, 70), 0)
    y[3] = 0.0
    deseason = Deseasonaliser(y, 7)
    assert deseason.active and not deseason.multiplicative


def test_deseasonaliser_on_logs_is_additive_with_median_indices() -> None:
    t = np.arange(96)
    pattern = np.log(1 + 0.25 * np.cos(2 * np.pi * t / 12))
    logs = np.log(100.0) + 0.01 * t + pattern
    logs[30] += 2.0  # one outlying month (phase 6) must not shift its phase's index
    deseason = Deseasonaliser(logs, 12, logs=True)
    assert deseason.active and not deseason.multiplicative
    truth = pattern[:12] - pattern[:12].mean()
    assert deseason.indices == pytest.approx(truth, abs=0.02)
    assert seasonal_indices(logs, 12, multiplicative=False)[6] - truth[6] > 0.2  # the mean is pulled


def test_arima_finds_ar_structure_in_differences() -> None:
    d = np.zeros(300)
    for t in range(1, 300):
        d[t] = 0.7 * d[t - 1] + RNG.normal()
    fit = fit_arima(100 + np.cumsum(d))
    assert fit is not None and fit.p >= 1 and fit.coefficients[0] == pytest.approx(0.7, abs=0.12)
    sigma = fit.sigma(6)
    assert np.all(np.diff(sigma) > 0)
    assert fit_arima(np.arange(6.0)) is None


def test_airline_model_forecasts_an_evolving_seasonal_series() -> None:
    t = np.arange(144)
    y = np.exp(4 + 0.01 * t + 0.2 * np.sin(2 * np.pi * t / 12) + RNG.normal(0, 0.02, 144))
    fit = fit_airline(y[:132], 12)
    assert fit is not None and fit.log
    mean, sd = fit.forecast(12)
    assert np.mean(np.abs(mean - y[132:]) / y[132:]) < 0.05
    assert np.all(sd > 0)
    assert fit_airline(y[:20], 12) is None


def test_seasonal_arima_finds_a_seasonal_ar_term_and_forecasts_the_season() -> None:
    t = np.arange(168)
    w = np.zeros(t.size)
    for i in range(24, t.size):
        w[i] = 0.05 - 0.5 * w[i - 12] + RNG.normal(0, 0.02)  # seasonal differences: seasonal AR(1) + drift
    season = 0.3 * np.sin(2 * np.pi * t / 12)
    z = np.zeros(t.size)
    z[:12] = 4 + season[:12]
    for i in range(12, t.size):
        z[i] = z[i - 12] + w[i]
    fit = fit_seasonal_arima(z[:156], 12)
    assert fit is not None and fit.ar.size == 12 and fit.ar[11] == pytest.approx(-0.5, abs=0.2)
    assert np.max(np.abs(fit.forecast(12) - z[156:])) < 0.15
    assert np.all(np.diff(fit.sigma(24)) >= 0)
    assert fit_seasonal_arima(z[:30], 12) is None


def test_pool_members_and_combination() -> None:
    t = np.arange(72)
    y = (100 + t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + RNG.normal(0, 1, 72)
    pool = fit_pool(y, 12, 12)
    assert {"ses", "damped", "theta", "dotm", "arima", "ets", "log_theta", "log_dotm", "airline"} <= set(pool.mean)
    # Theta (logs, units), ETS, ARIMA, and Theta after STL (seasonal series)
    assert pool.members == ("bagged_log_dotm", "dotm", "auto_ets", "sarima", "stl_dotm")
    zeros = fit_pool(np.concatenate([[0.0], y[1:]]), 12, 12)  # no logs: the raw Theta member counts once
    assert zeros.members == ("dotm", "auto_ets", "sarima", "stl_dotm")
    assert pool.seasonal == "multiplicative"
    expected = np.mean([pool.mean[name] for name in pool.members], axis=0)
    assert pool.mean["combination"] == pytest.approx(expected)
    # spread of the equal mixture of the members: their variances plus their disagreement
    spreads = np.array([pool.sigma[name] for name in pool.members])
    offsets = np.array([pool.mean[name] for name in pool.members]) - expected
    assert pool.sigma["combination"] == pytest.approx(np.sqrt(np.mean(spreads**2 + offsets**2, axis=0)))
    assert np.all(pool.sigma["combination"] >= np.sqrt(np.mean(spreads**2, axis=0)))


def test_intermittent_classification() -> None:
    assert classify(np.array([5.0, 6.0, 5.0, 7.0])).category == "smooth"
    assert classify(np.array([0, 0, 5.0, 0, 0, 5.0, 0, 0, 6.0])).category == "intermittent"
    assert classify(np.array([0, 0, 1.0, 0, 0, 30.0, 0, 0, 2.0])).category == "lumpy"
    assert classify(np.zeros(5)).adi == float("inf")


def test_croston_sba_tsb_estimate_the_demand_rate() -> None:
    y = np.where(RNG.random(2000) < 0.2, 5.0, 0.0)
    for method in ("croston", "sba", "tsb"):
        fit = fit_intermittent(y, method)
        assert fit.rate == pytest.approx(1.0, rel=0.35), method
    sba, croston = fit_intermittent(y, "sba"), fit_intermittent(y, "croston")
    assert sba.rate < croston.rate or sba.alpha != croston.alpha
    with pytest.raises(ValueError, match="unknown intermittent method"):
        fit_intermittent(y, "adida")


def test_tsb_decays_when_an_item_stops_selling() -> None:
    y = np.concatenate([np.where(RNG.random(200) < 0.3, 4.0, 0.0), np.zeros(60)])
    assert fit_intermittent(y, "tsb").rate < 0.5 * fit_intermittent(y[:200], "tsb").rate


def test_metrics_follow_their_definitions() -> None:
    actual, forecast = np.array([100.0, 200.0]), np.array([110.0, 180.0])
    assert smape(actual, forecast) == pytest.approx(np.mean([200 * 10 / 210, 200 * 20 / 380]))
    assert smape(np.zeros(3), np.zeros(3)) == 0.0
    history = np.array([1.0, 2, 3, 4, 2, 3, 4, 5])
    assert mase_scale(history, 4) == pytest.approx(1.0)
    assert mase(history, actual, forecast, 4) == pytest.approx(15.0)
    assert mase(np.ones(8), actual, forecast, 4) != mase(np.ones(8), actual, forecast, 4)  # NaN: zero scale
    assert seasonal_naive(history, 6, 4).tolist() == [2, 3, 4, 5, 2, 3]
    assert seasonal_naive(history[:3], 2, 4).tolist() == [3, 3]
    lower, upper = np.array([90.0, 190.0]), np.array([120.0, 195.0])  # 200 is 5 above the second
    assert msis(history, actual, lower, upper, 4) == pytest.approx(np.mean([30.0, 5.0 + 40 * 5.0]))
    assert msis(history, actual, lower, upper, 4, level=0.8) == pytest.approx(np.mean([30.0, 5.0 + 10 * 5.0]))


def test_paired_interval_brackets_the_ratio_of_means() -> None:
    theirs = RNG.uniform(5, 15, 300)
    assert paired_interval(1.1 * theirs, theirs) == pytest.approx((0.1, 0.1))  # every series 10% worse
    low, high = paired_interval(theirs + RNG.normal(0, 1, 300), theirs)
    assert low < 0 < high  # noise only: the interval spans no difference
    assert paired_interval([1.0, float("nan"), 2.0], [1.0, 5.0, 2.0]) == (0.0, 0.0)  # unpaired NaNs left out


def test_rolling_origin_backtest_per_market_and_overall() -> None:
    import pandas as pd

    from livebase.forecasting.backtest import backtest

    days = pd.date_range("2025-01-01", periods=140, freq="D")
    t = np.arange(140)
    rows = []
    for market, level in (("sea", 40.0), ("eu", 90.0)):
        for sku in range(3):
            y = level * (1 + 0.3 * (t % 7 == 5)) * (1 + 0.002 * t) + RNG.normal(0, 2, 140)
            rows.append(pd.DataFrame({"market": market, "id": f"{market}-{sku}", "ds": days, "y": y}))
    table = backtest(pd.concat(rows), horizon=14, season_length=7, origins=3)
    assert table["market"].tolist() == ["eu", "sea", "overall"]
    overall = table.set_index("market").loc["overall"]
    assert overall["series"] == 6 and overall["evaluations"] == 18
    assert 0 < overall["smape"] < overall["smape_snaive"]
    assert overall["mase_skill"] > 0
