"""A yearly pattern for daily series, beside the weekly season the forecasters model.

Why separately: the daily forecasters take one season length (7: the week); a 365-day season
would need years of history per seasonal index. A few Fourier harmonics of the day of the year
need only two years and stay smooth (festival days are regressors of their own). Fitted on
``log1p`` of the history with a linear trend, kept only when the harmonics explain at least
``MIN_SHARE`` of what the trend leaves, so a noisy series gets no invented pattern. The flow
divides the history by the factors, forecasts, and multiplies the forecast (and its interval)
by the factors of the days ahead. Only ``demand-forecasting`` uses it: the competition
benchmarks (monthly and quarterly series) do not pass through here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from livebase.forecasting.smoothing import FloatArray

HARMONICS = 3
MIN_DAYS = 730  # two years: a yearly pattern seen twice
MIN_SHARE = 0.1  # share of the de-trended variance the harmonics must explain
YEAR = 365.25


def _design(days: pd.DatetimeIndex, n_history: int, harmonics: int) -> FloatArray:
    phase = 2 * np.pi * (days.dayofyear.to_numpy(dtype=float) - 1) / YEAR
    waves = [f(k * phase) for k in range(1, harmonics + 1) for f in (np.sin, np.cos)]
    trend = np.arange(len(days), dtype=float) / max(n_history, 1)
    return np.column_stack([np.ones(len(days)), trend, *waves])


def yearly_factors(
    y: FloatArray, first_day: pd.Timestamp, horizon: int, harmonics: int = HARMONICS
) -> FloatArray | None:
    """Multiplicative factors for the ``len(y)`` history days and ``horizon`` days after; None: no pattern."""
    n = y.size
    if n < MIN_DAYS or not np.isfinite(y).all() or (y < 0).any():
        return None
    days = pd.date_range(first_day, periods=n + horizon, freq="D")
    design = _design(days, n, harmonics)
    z = np.log1p(y)
    full, *_ = np.linalg.lstsq(design[:n], z, rcond=None)
    trend_only, *_ = np.linalg.lstsq(design[:n, :2], z, rcond=None)
    rss_full = float(np.sum((z - design[:n] @ full) ** 2))
    rss_trend = float(np.sum((z - design[:n, :2] @ trend_only) ** 2))
    if rss_trend <= 0 or 1 - rss_full / rss_trend < MIN_SHARE:
        return None
    seasonal = design[:, 2:] @ full[2:]
    seasonal -= seasonal[:n].mean()  # the history's factors average 1 (geometrically)
    return np.asarray(np.exp(seasonal), dtype=np.float64)
