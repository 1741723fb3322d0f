"""The STL-adjusted Theta member: it follows a seasonal pattern that drifts, and stays out of
series that are not seasonal."""

from __future__ import annotations

import numpy as np
import pytest

from livebase.forecasting.dynamic_theta import fit_dynamic_theta
from livebase.forecasting.pool import fit_pool
from livebase.forecasting.seasonality import Deseasonaliser
from livebase.forecasting.stl_theta import fit_stl_theta

RNG = np.random.default_rng(11)
M = 12


def _drifting_season(years: int) -> np.ndarray:
    """A level with noise plus a pattern that moves from a summer peak to a winter peak."""
    t = np.arange(years * M + M)
    weight = t / t[-1]
    summer = np.sin(2 * np.pi * t / M)
    winter = np.cos(2 * np.pi * t / M)
    return 100 + 20 * ((1 - weight) * summer + weight * winter) + RNG.normal(0, 1, t.size)


def test_a_periodic_series_is_continued_in_phase() -> None:
    t = np.arange(5 * M + 5)  # the history ends mid-season: the last cycle must be re-aligned
    y = 50 + 10 * np.sin(2 * np.pi * t / M)
    fit = fit_stl_theta(y[:-M], M)
    assert fit is not None
    assert fit.forecast(M) == pytest.approx(y[-M:], abs=0.5)
    assert fit.sigma(M).shape == (M,) and np.all(np.diff(fit.sigma(M)) >= 0)


def test_a_drifting_pattern_is_followed_better_than_a_fixed_one() -> None:
    y = _drifting_season(20)
    history, actual = y[:-M], y[-M:]
    stl = fit_stl_theta(history, M)
    assert stl is not None
    fixed = Deseasonaliser(history, M)
    theta = fit_dynamic_theta(fixed.remove(history))
    assert fixed.active and theta is not None
    stl_error = np.mean(np.abs(stl.forecast(M) - actual))
    fixed_error = np.mean(np.abs(fixed.restore(theta.forecast(M)) - actual))
    assert stl_error < 0.5 * fixed_error


def test_no_member_without_seasonality_or_history() -> None:
    assert fit_stl_theta(100 + RNG.normal(0, 1, 120), M) is None  # white noise: the test says no
    assert fit_stl_theta(_drifting_season(1)[:24], M) is None  # two seasons: too short
    assert fit_stl_theta(_drifting_season(5), 1) is None  # no season length


def test_the_pool_counts_it_on_seasonal_series_only() -> None:
    seasonal = fit_pool(_drifting_season(8), M, M)
    assert seasonal.members[-1] == "stl_dotm"
    assert seasonal.mean["combination"] == pytest.approx(np.mean([seasonal.mean[k] for k in seasonal.members], axis=0))
    flat = fit_pool(100 + RNG.normal(0, 1, 120), M, M)
    assert "stl_dotm" not in flat.mean and len(flat.members) == 4
