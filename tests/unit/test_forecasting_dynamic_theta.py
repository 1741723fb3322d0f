"""Dynamic optimised Theta (the pool's Theta member): crafted series, and sane output in the pool."""

from __future__ import annotations

import numpy as np
import pytest

from livebase.forecasting import forecast
from livebase.forecasting.dynamic_theta import fit_dynamic_theta
from livebase.forecasting.pool import fit_pool

RNG = np.random.default_rng(5)


def test_a_line_is_continued_by_a_large_theta() -> None:
    line = 7.0 + 3.0 * np.arange(40, dtype=np.float64)
    fit = fit_dynamic_theta(line)
    assert fit is not None and fit.theta > 10  # theta -> infinity is the trend line itself
    assert fit.forecast(5) == pytest.approx(7.0 + 3.0 * np.arange(40, 45), rel=0.01)


def test_level_without_trend_is_forecast_flat_at_theta_one() -> None:
    y = 50.0 + RNG.normal(0, 1, 60)
    fit = fit_dynamic_theta(y)
    assert fit is not None and fit.theta == pytest.approx(1.0)
    path = fit.forecast(12)
    assert np.ptp(path) < 1e-9 and abs(path[0] - 50.0) < 1.0
    sigma = fit.sigma(12)
    assert np.all(np.isfinite(sigma)) and np.all(np.diff(sigma) >= 0)


def test_the_updated_line_is_the_least_squares_line_and_the_forecast_starts_at_the_level() -> None:
    t = np.arange(60, dtype=np.float64)
    y = np.where(t < 40, 100.0 - 1.0 * t, 60.0 + 2.0 * (t - 40)) + RNG.normal(0, 0.5, 60)
    fit = fit_dynamic_theta(y)
    assert fit is not None
    slope, intercept = np.polyfit(t + 1, y, 1)
    assert fit.slope == pytest.approx(slope) and fit.intercept == pytest.approx(intercept)
    assert fit.alpha > 0.8 and abs(fit.forecast(1)[0] - y[-1]) < 3.0  # the recent level, not the line


def test_too_short_returns_none() -> None:
    assert fit_dynamic_theta(np.arange(7, dtype=np.float64)) is None


@pytest.mark.parametrize(
    "y",
    [
        np.maximum(0.0, 40.0 - 1.5 * np.arange(30) + RNG.normal(0, 1, 30)),  # falls to zero (no logs)
        np.concatenate([np.full(20, 5.0), np.full(10, 0.5)]),  # level shift down
        1e6 * (1 + 0.3 * np.sin(2 * np.pi * np.arange(50) / 12)) * np.exp(0.05 * np.arange(50)),  # steep growth
        np.array([3.0, 4.0, 3.0, 5.0, 4.0, 3.0, 4.0, 5.0, 4.0]),  # short
    ],
)
def test_pool_with_dynamic_theta_gives_finite_non_negative_forecasts(y: np.ndarray) -> None:
    pool = fit_pool(y, 18, 12)
    for name in ("dotm", "log_dotm"):
        if name in pool.mean:
            assert np.all(np.isfinite(pool.mean[name])) and np.all(np.isfinite(pool.sigma[name]))
    result = forecast(y, 18, 12)
    assert np.all(np.isfinite(result.mean)) and np.all(result.mean >= 0) and np.all(result.lower >= 0)
    assert np.all(np.isfinite(result.upper))
