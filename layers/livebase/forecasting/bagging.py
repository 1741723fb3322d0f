"""Bagging a member: refit it on bootstrapped copies of the series, take the median forecast.

Why (Bergmeir, Hyndman & Benítez 2016, IJF 32(2)): a series is one draw of its noise; refitting
on copies with the noise reshuffled and aggregating averages out the part of a fit that chases
that one draw. As there, the copies keep the series' trend and season (STL, robust to outliers)
and shuffle the remainder in moving blocks of two seasons, so short-range dependence survives.
The generator is seeded: the same history gives the same forecast. The median of the original
and the bootstrapped forecasts, not the mean: on logs a mean on the data's scale is pushed up
by the spread of the copies (DECISIONS.md, round 7).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from statsmodels.tsa.seasonal import STL

from livebase.forecasting.smoothing import FloatArray

BOOTSTRAPS = 10  # 20 was no better on the development sets, at twice the cost
SEED = 0


def can_bag(z: FloatArray, season_length: int) -> bool:
    """STL needs two whole seasons; a few more points leave room for blocks to move."""
    return season_length > 1 and z.size >= 2 * season_length + 4


def bootstrap_copies(z: FloatArray, season_length: int, count: int = BOOTSTRAPS, seed: int = SEED) -> list[FloatArray]:
    """`count` copies of z: its STL trend + season plus a moving-block bootstrap of its remainder."""
    m, n = season_length, z.size
    remainder = np.asarray(STL(z, period=m, robust=True).fit().resid, dtype=float)
    structure = z - remainder
    block = 2 * m if n > 4 * m else max(2, n // 4)
    rng = np.random.default_rng(seed)
    copies = []
    for _ in range(count):
        starts = rng.integers(0, n - block + 1, size=n // block + 2)
        shuffled = np.concatenate([remainder[start : start + block] for start in starts])
        offset = int(rng.integers(0, block))  # so the block joins do not fall on the same points each time
        copies.append(structure + shuffled[offset : offset + n])
    return copies


def bagged_forecast(
    fit_forecast: Callable[[FloatArray], FloatArray | None],
    z: FloatArray,
    season_length: int,
    original: FloatArray,
) -> FloatArray:
    """Median over `original` (the forecast from z itself) and fit_forecast on each bootstrap copy;
    copies the member cannot fit are left out."""
    forecasts = [original]
    for copy in bootstrap_copies(z, season_length):
        forecast = fit_forecast(copy)
        if forecast is not None and np.all(np.isfinite(forecast)):
            forecasts.append(forecast)
    return np.asarray(np.median(forecasts, axis=0), dtype=float)
