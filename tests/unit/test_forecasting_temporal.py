"""Temporal aggregation (a pool member): block means, the two halves, where it applies."""

from __future__ import annotations

import numpy as np
import pytest

from livebase.forecasting.pool import fit_pool
from livebase.forecasting.seasonality import Deseasonaliser
from livebase.forecasting.temporal import block_means, temporal_forecast

RNG = np.random.default_rng(5)
MONTHS = np.arange(96)
PATTERN = 1 + 0.3 * np.sin(2 * np.pi * MONTHS / 12)


def _log_pattern(y: np.ndarray) -> Deseasonaliser:
    return Deseasonaliser(np.log(y), 12, logs=True)


def test_block_means_align_on_the_last_observation() -> None:
    assert block_means(np.arange(7.0), 3) == pytest.approx([2.0, 5.0])  # 0 is the dropped partial block


def test_steady_growth_is_carried_on_with_the_season() -> None:
    y = 100.0 * 1.01**MONTHS * PATTERN  # 1% a month, no noise
    forecast = temporal_forecast(y, 18, 12, _log_pattern(y))
    assert forecast is not None
    future = 100.0 * 1.01 ** np.arange(96, 114) * (1 + 0.3 * np.sin(2 * np.pi * np.arange(96, 114) / 12))
    assert np.max(np.abs(forecast / future - 1)) < 0.03


def test_flat_noisy_series_stays_at_its_level() -> None:
    y = 50.0 * PATTERN * np.exp(RNG.normal(0, 0.05, 96))
    forecast = temporal_forecast(y, 24, 12, _log_pattern(y))
    assert forecast is not None
    deseasonalised = forecast / (1 + 0.3 * np.sin(2 * np.pi * np.arange(96, 120) / 12))
    assert np.all(np.abs(deseasonalised / 50.0 - 1) < 0.1)


def test_zeros_leave_only_the_whole_season_half() -> None:
    y = 100.0 * 1.01**MONTHS * PATTERN
    y[30] = 0.0
    raw = Deseasonaliser(y, 12)
    forecast = temporal_forecast(y, 12, 12, raw)
    assert forecast is not None and np.all(np.isfinite(forecast))
    # growth of the yearly means, with the data's additive pattern: above the last year's mean
    assert forecast.mean() > y[-12:].mean()


@pytest.mark.parametrize(
    ("size", "season", "why"),
    [(96, 4, "quarterly: one block size only"), (96, 7, "m = 7 has no proper divisor"), (15, 12, "too short")],
)
def test_does_not_apply(size: int, season: int, why: str) -> None:
    y = 10.0 + np.arange(size, dtype=float)
    assert temporal_forecast(y, 6, season, Deseasonaliser(np.log(y), season, logs=True)) is None, why


def test_pool_member_borrows_the_others_spread() -> None:
    y = 100.0 * 1.005**MONTHS * PATTERN * np.exp(RNG.normal(0, 0.03, 96))
    pool = fit_pool(y, 18, 12)
    assert pool.members[-1] == "temporal"
    others = [name for name in pool.members if name != "temporal"]
    level = np.mean([pool.mean[name] for name in others], axis=0)
    spread = np.mean([pool.sigma[name] for name in others], axis=0)
    assert pool.sigma["temporal"] == pytest.approx(spread * pool.mean["temporal"] / level)
    assert pool.mean["combination"] == pytest.approx(np.mean([pool.mean[name] for name in pool.members], axis=0))
    daily = fit_pool(np.abs(RNG.normal(20, 3, 120)) + 1, 14, 7)
    assert "temporal" not in daily.members
