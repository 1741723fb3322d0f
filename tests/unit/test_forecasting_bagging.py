"""Bagging (the pool's Theta-on-logs member): bootstrap copies, the median, and the pool's use."""

from __future__ import annotations

import numpy as np
import pytest

from livebase.forecasting import forecast
from livebase.forecasting.bagging import BOOTSTRAPS, bagged_forecast, bootstrap_copies, can_bag
from livebase.forecasting.pool import fit_pool

RNG = np.random.default_rng(11)
MONTHS = np.arange(96)
SEASONAL = 100.0 * np.exp(0.004 * MONTHS) * (1 + 0.3 * np.sin(2 * np.pi * MONTHS / 12)) + RNG.normal(0, 3, 96)


def test_copies_keep_trend_and_season_and_shuffle_only_the_noise() -> None:
    z = np.log(SEASONAL)
    copies = bootstrap_copies(z, 12)
    assert len(copies) == BOOTSTRAPS
    for copy in copies:
        assert copy.shape == z.shape and not np.array_equal(copy, z)
        # trend + season survive: a copy stays within the noise's reach of the series
        assert np.max(np.abs(copy - z)) < 0.25
        assert np.corrcoef(copy, z)[0, 1] > 0.9


def test_copies_are_the_same_for_the_same_history() -> None:
    z = np.log(SEASONAL)
    first, again = bootstrap_copies(z, 12), bootstrap_copies(z, 12)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(bootstrap_copies(z, 12, seed=1)[0], first[0])


def test_bagged_forecast_is_the_median_and_skips_copies_that_cannot_be_fitted() -> None:
    z = np.log(SEASONAL)
    calls: list[int] = []

    def level_of_last_year(copy: np.ndarray) -> np.ndarray | None:
        calls.append(1)
        if len(calls) % 2 == 0:
            return None  # half the copies "cannot be fitted"
        return np.full(6, copy[-12:].mean())

    original = np.full(6, 100.0)  # far above every copy's level: the median ignores it
    result = bagged_forecast(level_of_last_year, z, 12, original)
    assert len(calls) == BOOTSTRAPS
    fitted = [np.full(6, c[-12:].mean()) for i, c in enumerate(bootstrap_copies(z, 12)) if i % 2 == 0]
    assert result == pytest.approx(np.median([original, *fitted], axis=0))
    assert np.all(result < 10)


@pytest.mark.parametrize(("size", "season", "expected"), [(28, 12, True), (27, 12, False), (200, 1, False)])
def test_bagging_needs_two_seasons_and_a_few_points(size: int, season: int, expected: bool) -> None:
    assert can_bag(np.ones(size), season) is expected


def test_pool_bags_positive_seasonal_series_and_falls_back_otherwise() -> None:
    pool = fit_pool(SEASONAL, 18, 12)
    assert pool.members[0] == "bagged_log_dotm"
    assert np.all(np.isfinite(pool.mean["bagged_log_dotm"])) and np.all(pool.sigma["bagged_log_dotm"] > 0)
    assert not np.array_equal(pool.mean["bagged_log_dotm"], pool.mean["log_dotm"])
    with_zero = SEASONAL.copy()
    with_zero[40] = 0.0  # no logs: the Theta-on-logs role falls back to DOTM on the data
    assert fit_pool(with_zero, 18, 12).members[0] == "dotm"
    short = SEASONAL[:20]  # under two seasons + 4: the unbagged log DOTM
    assert fit_pool(short, 6, 12).members[0] == "log_dotm"


def test_bagged_forecasts_repeat_exactly() -> None:
    first, again = forecast(SEASONAL, 18, 12), forecast(SEASONAL, 18, 12)
    assert np.array_equal(first.mean, again.mean) and "bagged_log_dotm" in first.model
