"""Holt-Winters (seasonal ETS on a grid): it recovers crafted seasonal structure and evolving seasons."""

from __future__ import annotations

import numpy as np
import pytest

from livebase.forecasting.holt_winters import fit_holt_winters
from livebase.forecasting.pool import fit_pool

RNG = np.random.default_rng(11)


def test_noiseless_seasonal_level_is_fitted_exactly_by_its_initial_states() -> None:
    t = np.arange(60)
    pattern = np.array([3.0, -1.0, 2.0, -4.0])  # sums to zero, as the seasonal states do
    y = 10.0 + pattern[t % 4]
    fit = fit_holt_winters(y, 4, kinds=("none",))
    assert fit is not None
    assert float(fit.residuals @ fit.residuals) < 1e-8
    assert fit.season == pytest.approx(pattern, abs=1e-6)  # the next m steps start at phase 60 % 4 == 0
    assert fit.forecast(8) == pytest.approx(np.tile(10.0 + pattern, 2), abs=1e-6)


def test_recovers_a_multiplicative_season_on_logs() -> None:
    t = np.arange(156)
    season = 0.3 * np.sin(2 * np.pi * t / 12)
    y = np.exp(4.0 + 0.004 * t + season + RNG.normal(0, 0.03, t.size))
    fit = fit_holt_winters(np.log(y[:132]), 12)
    assert fit is not None
    mean = np.exp(fit.forecast(24))
    assert np.mean(np.abs(mean - y[132:]) / y[132:]) < 0.05
    sigma = fit.sigma(24)
    assert np.all(np.diff(sigma) >= 0) and sigma[0] == pytest.approx(0.03, rel=0.3)


def test_follows_a_season_whose_amplitude_grows() -> None:
    t = np.arange(180)
    season = (5 + 25 * t / t.size) * np.cos(2 * np.pi * t / 12)  # a fixed pattern would be too weak at the end
    y = 200.0 + season + RNG.normal(0, 1.0, t.size)
    fit = fit_holt_winters(y[:168], 12)
    assert fit is not None and fit.gamma > 0
    assert np.mean(np.abs(fit.forecast(12) - y[168:])) < 3.0


def test_too_short_or_not_seasonal_returns_none() -> None:
    assert fit_holt_winters(np.ones(20), 12) is None
    assert fit_holt_winters(np.ones(50), 1) is None


def test_pool_offers_the_aicc_chosen_ets_member() -> None:
    t = np.arange(96)
    y = (100 + t) * (1 + 0.25 * np.sin(2 * np.pi * t / 12)) * np.exp(RNG.normal(0, 0.02, t.size))
    pool = fit_pool(y, 18, 12)
    assert "auto_ets" in pool.members
    assert pool.mean["auto_ets"].shape == (18,) and np.all(pool.sigma["auto_ets"] > 0)


def test_auto_ets_chooses_the_scale_of_the_season_by_aicc_with_the_log_jacobian() -> None:
    t = np.arange(120)
    additive = 60.0 + 40.0 * np.sin(2 * np.pi * t / 12) + RNG.normal(0, 1.0, t.size)  # positive, season in units
    pool = fit_pool(additive, 12, 12)
    raw = fit_holt_winters(additive, 12)
    assert raw is not None
    assert pool.mean["auto_ets"] == pytest.approx(raw.forecast(12))  # the raw Holt-Winters, not the one on logs
    proportional = (100 + 2 * t) * (1 + 0.4 * np.sin(2 * np.pi * t / 12)) * np.exp(RNG.normal(0, 0.02, t.size))
    pool = fit_pool(proportional, 12, 12)
    assert pool.mean["auto_ets"] == pytest.approx(pool.mean["hw"])  # Holt-Winters on logs
