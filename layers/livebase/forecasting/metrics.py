"""Accuracy measures as the M competitions define them, and the seasonal naive benchmark.

sMAPE (M3/M4 definition, in percent, 0..200) and MASE (Hyndman & Koehler 2006, scaled by the
in-sample mean absolute seasonal difference); MSIS for intervals (M4: width plus a penalty for
every point outside, on MASE's scale); a paired bootstrap interval for comparing two methods
over the same series. Seasonal naive on a monthly set reproduces the published tables, which
checks this code.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from livebase.forecasting.smoothing import FloatArray


def seasonal_naive(history: FloatArray, horizon: int, season_length: int) -> FloatArray:
    """Repeat the last full season (the last value if the history is shorter than a season)."""
    m = season_length if history.size >= season_length > 1 else 1
    last = history[history.size - m :]
    return np.resize(last, horizon).astype(float)


def smape(actual: FloatArray, forecast: FloatArray) -> float:
    """Mean of 200 |y - f| / (|y| + |f|); a step where both are 0 counts as 0 error."""
    denom = np.abs(actual) + np.abs(forecast)
    terms = np.divide(200 * np.abs(actual - forecast), denom, out=np.zeros(actual.size), where=denom > 0)
    return float(np.mean(terms))


def mase_scale(history: FloatArray, season_length: int) -> float:
    """In-sample MAE of the seasonal naive (naive when too short): MASE's denominator."""
    m = season_length if history.size > season_length > 1 else 1
    if history.size <= m:
        return float("nan")
    return float(np.mean(np.abs(history[m:] - history[:-m])))


def mase(history: FloatArray, actual: FloatArray, forecast: FloatArray, season_length: int) -> float:
    """MAE of the forecast over the in-sample seasonal naive MAE (NaN when that scale is 0)."""
    scale = mase_scale(history, season_length)
    if not scale > 0:
        return float("nan")
    return float(np.mean(np.abs(actual - forecast)) / scale)


def msis(
    history: FloatArray,
    actual: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    season_length: int,
    level: float = 0.95,
) -> float:
    """Mean scaled interval score (M4): width + 2/alpha x the miss outside the bounds, over
    MASE's scale. Narrow intervals that miss score badly, wide ones too (NaN on a zero scale)."""
    scale = mase_scale(history, season_length)
    if not scale > 0:
        return float("nan")
    alpha = 1.0 - level
    below, above = np.maximum(lower - actual, 0.0), np.maximum(actual - upper, 0.0)
    return float(np.mean(upper - lower + 2.0 / alpha * (below + above)) / scale)


def paired_interval(ours: ArrayLike, theirs: ArrayLike, resamples: int = 2000) -> tuple[float, float]:
    """95% bootstrap interval of mean(ours) / mean(theirs) - 1, resampling series in pairs.

    Why: a set of a few hundred series decides "beats" by fractions of a percent; the interval
    says whether that margin would survive another draw of series like these (seeded: repeatable)."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    picks = np.random.default_rng(0).integers(0, a.size, size=(resamples, a.size))
    ratios = a[picks].mean(axis=1) / b[picks].mean(axis=1) - 1.0
    low, high = np.quantile(ratios, [0.025, 0.975])
    return float(low), float(high)
