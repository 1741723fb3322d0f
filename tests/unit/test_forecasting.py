"""`forecast` / `forecast_batch`: model selection on crafted series, and clear input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from livebase.forecasting import ForecastInputError, ForecastResult, forecast, forecast_batch

RNG = np.random.default_rng(20261125)


def _seasonal_monthly(n: int = 120) -> np.ndarray:
    t = np.arange(n)
    pattern = 1 + 0.3 * np.sin(2 * np.pi * t / 12)
    return (200 + 0.8 * t) * pattern * RNG.normal(1, 0.02, n)


def _check_shape(result: ForecastResult, horizon: int) -> None:
    for array in (result.mean, result.lower, result.upper, result.sigma):
        assert array.shape == (horizon,)
        assert np.all(np.isfinite(array))
    assert np.all(result.lower <= result.mean) and np.all(result.mean <= result.upper)
    assert np.all(result.lower >= 0)
    assert result.level == 0.95 and result.model


def test_seasonal_series_is_deseasonalised_and_pattern_forecast() -> None:
    y = _seasonal_monthly()
    result = forecast(y, 12, 12)
    _check_shape(result, 12)
    assert "deseasonalised" in result.model and "m=12" in result.model
    t = np.arange(120, 132)
    truth = (200 + 0.8 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
    assert np.corrcoef(result.mean, truth)[0, 1] > 0.95
    assert np.mean(np.abs(result.mean - truth) / truth) < 0.06


def test_non_seasonal_noise_is_not_deseasonalised() -> None:
    y = 50 + RNG.normal(0, 5, 60)
    result = forecast(y, 6, 12)
    assert "deseasonalised" not in result.model
    assert abs(result.mean.mean() - 50) < 5


def test_trending_series_keeps_rising_and_sigma_grows() -> None:
    y = 10 + 2.0 * np.arange(80) + RNG.normal(0, 1, 80)
    result = forecast(y, 10, 1)
    _check_shape(result, 10)
    assert result.mean[0] > y[-5:].mean()
    assert np.all(np.diff(result.mean) > 0)
    truth = 10 + 2.0 * np.arange(80, 90)
    assert np.max(np.abs(result.mean - truth)) < 0.1 * truth.mean()
    assert np.all(np.diff(result.sigma) >= 0)


def test_intermittent_demand_uses_croston_family_and_the_demand_rate() -> None:
    occurs = RNG.random(400) < 0.15
    y = np.where(occurs, RNG.poisson(4, 400) + 1, 0).astype(float)
    result = forecast(y, 14, 7)
    _check_shape(result, 14)
    assert result.model.split()[0] in {"CROSTON", "SBA", "TSB"}
    assert "intermittent" in result.model or "lumpy" in result.model
    rate = y.mean()
    assert 0.5 * rate < result.mean[0] < 1.5 * rate
    assert np.allclose(result.mean, result.mean[0])


def test_short_and_all_zero_histories() -> None:
    assert forecast([3.0], 4, 7).model.startswith("naive")
    short = forecast([3.0, 5.0], 4, 7)
    assert short.model.startswith("naive") and np.all(short.mean == 5.0)
    five = forecast([3.0, 5.0, 4.0, 6.0, 5.0], 3, 7)
    _check_shape(five, 3)
    zero = forecast(np.zeros(30), 5, 7)
    assert zero.model.startswith("zero") and not zero.mean.any() and not zero.upper.any()


def test_falling_demand_is_never_forecast_negative() -> None:
    y = np.maximum(100 - 3.0 * np.arange(34) + RNG.normal(0, 1, 34), 0.5)
    result = forecast(y, 24, 1)
    assert np.all(result.mean >= 0) and np.all(result.lower >= 0)


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ([1.0, float("nan"), 2.0], "missing or infinite value.*position 1"),
        ([1.0, 2.0, float("inf")], "missing or infinite"),
        ([1.0, -2.0, 3.0], "negative value.*-2.0 at position 1"),
        ([], "empty"),
        ([[1.0, 2.0], [3.0, 4.0]], "one-dimensional"),
        (["a", "b"], "array-like of numbers"),
    ],
)
def test_bad_history_is_a_clear_error(history: object, message: str) -> None:
    with pytest.raises(ForecastInputError, match=message):
        forecast(history, 3, 1)


def test_bad_arguments_are_clear_errors() -> None:
    y = np.arange(1.0, 30.0)
    with pytest.raises(ForecastInputError, match="horizon must be a positive integer"):
        forecast(y, 0, 1)
    with pytest.raises(ForecastInputError, match="season_length"):
        forecast(y, 3, 1.5)  # type: ignore[arg-type]
    with pytest.raises(ForecastInputError, match="both exog"):
        forecast(y, 3, 1, exog=np.ones(29))
    with pytest.raises(ForecastInputError, match="must have 3 rows"):
        forecast(y, 3, 1, exog=np.ones(29), future_exog=np.ones(4))
    with pytest.raises(ForecastInputError, match="interval level"):
        forecast(y, 3, 1, level=1.5)


def test_promotion_effect_is_learned_from_regressors() -> None:
    n, horizon = 300, 14
    promo = np.zeros(n + horizon)
    promo[RNG.choice(n, 30, replace=False)] = 1.0
    promo[n + 5] = 1.0
    weekday = 1 + 0.2 * (np.arange(n + horizon) % 7 == 5)
    y = (40 * weekday + 35 * promo + RNG.normal(0, 2, n + horizon))[:n]
    exog = pd.DataFrame({"promo": promo[:n]})
    future = pd.DataFrame({"promo": promo[n:]})
    result = forecast(y, horizon, 7, exog, future)
    _check_shape(result, horizon)
    assert "promo" in result.model
    assert result.details["holdout"] > 0 and result.details["holdout_mae"]
    uplift = result.mean[5] - np.median(result.mean)
    assert 25 < uplift < 45
    with pytest.raises(ForecastInputError, match="columns"):
        forecast(y, horizon, 7, exog, future.rename(columns={"promo": "live"}))


def test_validate_selection_picks_a_pool_member() -> None:
    result = forecast(_seasonal_monthly(96), 12, 12, selection="validate")
    _check_shape(result, 12)
    assert result.details["choice"] in result.details["members"]


def test_error_statistics_for_safety_stock() -> None:
    result = forecast(100 + RNG.normal(0, 10, 200), 7, 1)
    assert 7 < result.residual_std < 13
    assert 5 < result.mae_one_step < 11
    assert result.sigma[0] == pytest.approx(result.residual_std, rel=0.25)
    assert result.cumulative_sigma(7) >= result.sigma[6]


def test_interval_coverage_on_simulated_random_walks() -> None:
    hits = []
    for _ in range(60):
        y = 500 + np.cumsum(RNG.normal(0, 5, 80))
        truth = y[-1] + np.cumsum(RNG.normal(0, 5, 6))
        result = forecast(y, 6, 1)
        hits.append(np.mean((truth >= result.lower) & (truth <= result.upper)))
    assert 0.8 < np.mean(hits) <= 1.0


def _long_frame() -> pd.DataFrame:
    days = pd.date_range("2025-01-01", periods=120, freq="D")
    weekly = 30 + 5 * (days.dayofweek == 5)
    smooth = pd.DataFrame({"id": "sku-1", "ds": days, "y": weekly + RNG.normal(0, 1, 120)})
    sparse = pd.DataFrame({"id": "sku-2", "ds": days, "y": np.where(RNG.random(120) < 0.2, 3.0, 0.0)})
    return pd.concat([smooth, sparse], ignore_index=True)


def test_batch_forecasts_every_series_in_long_format() -> None:
    out = forecast_batch(_long_frame(), 7, 7)
    assert len(out) == 14 and set(out["id"]) == {"sku-1", "sku-2"}
    assert out["ds"].min() == pd.Timestamp("2025-05-01") and out["step"].max() == 7
    assert out["error"].isna().all() and (out["lower"] <= out["upper"]).all()


def test_batch_fills_gaps_with_zero_or_refuses_them() -> None:
    frame = _long_frame()
    gappy = frame.drop(index=frame.index[(frame["id"] == "sku-1") & (frame["ds"].dt.day == 10)])
    out = forecast_batch(gappy, 7, 7)
    assert len(out) == 14
    with pytest.raises(ForecastInputError, match=r"sku-1.*missing D step"):
        forecast_batch(gappy, 7, 7, fill_missing=None)


def test_batch_reports_bad_series_without_losing_the_others() -> None:
    frame = _long_frame()
    frame.loc[3, "y"] = -1.0
    with pytest.raises(ForecastInputError, match=r"sku-1.*negative"):
        forecast_batch(frame, 7, 7)
    out = forecast_batch(frame, 7, 7, errors="report")
    bad = out[out["id"] == "sku-1"]
    assert len(bad) == 1 and "negative" in bad["error"].iloc[0]
    assert len(out[out["id"] == "sku-2"]) == 7


def test_batch_with_future_regressors() -> None:
    frame = _long_frame()
    frame["live"] = (frame["ds"].dt.day % 9 == 0).astype(float)
    frame.loc[frame["live"] == 1, "y"] += 20
    future_days = pd.date_range("2025-05-01", periods=7, freq="D")
    future = pd.DataFrame(
        {
            "id": ["sku-1"] * 7 + ["sku-2"] * 7,
            "ds": list(future_days) * 2,
            "live": [0, 0, 0, 0, 0, 0, 1.0] * 2,
        }
    )
    out = forecast_batch(frame, 7, 7, exog_columns=["live"], future_exog=future)
    one = out[out["id"] == "sku-1"]["mean"].to_numpy()
    assert one[6] - one[:6].mean() > 10
    with pytest.raises(ForecastInputError, match="does not cover"):
        forecast_batch(frame, 8, 7, exog_columns=["live"], future_exog=future)
