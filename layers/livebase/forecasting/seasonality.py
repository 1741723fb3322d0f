"""Seasonality test and classical decomposition, as the Theta method uses them in M3/M4.

Why: removing a stable seasonal pattern first lets cheap non-seasonal smoothers do the rest,
and the test keeps noise from being "deseasonalised" into the forecast.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def acf(y: FloatArray, max_lag: int) -> FloatArray:
    """Sample autocorrelations r_0..r_max_lag (r_0 = 1)."""
    x = y - y.mean()
    denom = float(x @ x)
    if denom <= 0:
        return np.zeros(max_lag + 1)
    return np.array([1.0] + [float(x[k:] @ x[:-k]) / denom for k in range(1, max_lag + 1)])


def is_seasonal(y: FloatArray, season_length: int, z: float = 1.645) -> bool:
    """90% test on r_m with Bartlett's variance (the M4 Theta benchmark's rule); needs 2 seasons."""
    m, n = season_length, y.size
    if m <= 1 or n < 2 * m:
        return False
    r = acf(y, m)
    limit = z * np.sqrt((1 + 2 * float(np.sum(r[1:m] ** 2))) / n)
    return bool(abs(r[m]) > limit)


def _centred_moving_average(y: FloatArray, m: int) -> FloatArray:
    """2 x m MA for even m, m MA for odd m; NaN where the window does not fit."""
    weights = np.ones(m + 1) / m if m % 2 == 0 else np.ones(m) / m
    if m % 2 == 0:
        weights[0] = weights[-1] = 0.5 / m
    out = np.full(y.size, np.nan)
    half = (weights.size - 1) // 2
    out[half : y.size - half] = np.convolve(y, weights, mode="valid")
    return out


def seasonal_indices(y: FloatArray, season_length: int, multiplicative: bool, robust: bool = False) -> FloatArray:
    """Per-phase indices (phase 0 = the first observation), normalised to mean 1 (or 0); per-phase
    medians instead of means when robust (one outlying season does not shift the pattern)."""
    m = season_length
    trend = _centred_moving_average(y, m)
    detrended = y / trend if multiplicative else y - trend
    phases = np.arange(y.size) % m
    valid = np.isfinite(detrended)
    centre = np.median if robust else np.mean
    indices = np.array([centre(detrended[valid & (phases == p)]) for p in range(m)])
    return indices / indices.mean() if multiplicative else indices - indices.mean()


class Deseasonaliser:
    """Removes and restores a classical seasonal pattern (identity when not seasonal).

    `logs`: y are logarithms; the pattern is additive there (multiplicative on the data) and
    its indices are per-phase medians (M3 monthly, DECISIONS.md round 4)."""

    def __init__(self, y: FloatArray, season_length: int, test: bool = True, logs: bool = False) -> None:
        self.m = season_length
        self.n = y.size
        self.multiplicative = not logs and bool(np.all(y > 0))
        self.active = is_seasonal(y, season_length) if test else (season_length > 1 and y.size >= 2 * season_length)
        if self.active:
            self.indices = seasonal_indices(y, season_length, self.multiplicative, robust=logs)
            if self.multiplicative and np.any(self.indices <= 0):
                self.multiplicative = False
                self.indices = seasonal_indices(y, season_length, False)
        else:
            self.indices = np.ones(1) if self.multiplicative else np.zeros(1)

    def _pattern(self, start: int, length: int) -> FloatArray:
        if not self.active:
            return np.full(length, self.indices[0])
        return self.indices[(np.arange(start, start + length)) % self.m]

    def remove(self, y: FloatArray) -> FloatArray:
        pattern = self._pattern(0, y.size)
        return y / pattern if self.multiplicative else y - pattern

    def restore(self, values: FloatArray, start: int | None = None) -> FloatArray:
        """Re-apply the pattern to values that follow the history (start = n by default)."""
        pattern = self._pattern(self.n if start is None else start, values.size)
        return values * pattern if self.multiplicative else values + pattern

    def scale(self, start: int | None = None, length: int = 1) -> FloatArray:
        """Multiplier for spreads (intervals) after restore: the index, or 1 when additive."""
        if not self.multiplicative:
            return np.ones(length)
        return self._pattern(self.n if start is None else start, length)
