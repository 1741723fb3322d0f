"""Temporal aggregation: one pool member that sees the series at coarser time scales.

Why (MAPA, Kourentzes, Petropoulos & Trapero 2014; temporal hierarchies, Athanasopoulos et al.
2017): averaging months in blocks smooths the noise away, so the level and the trend show more
clearly, and each block size sees a different mix of them. The member is two halves:

- *within a season*: the deseasonalised logs in blocks of every proper divisor of the season
  (2, 3, 4 and 6 months for monthly data), SES or damped trend by AICc on each block size;
- *whole seasons*, given five of them: yearly means, their growth in logs from the first to
  the last year carried on as a drift (the year is where a trend is least disturbed by noise
  and season).

Each block size's forecasts sit at the centres of their blocks and are joined linearly, starting
from the last observed block, so the path is smooth at the data's own frequency; the series'
seasonal pattern is then put back. Only where the season splits into at least two block sizes
(monthly data, not quarterly or m = 7), as measured: DECISIONS.md, round 8.
"""

from __future__ import annotations

import numpy as np

from livebase.forecasting.seasonality import Deseasonaliser
from livebase.forecasting.smoothing import FloatArray, fit_smoothing

MIN_BLOCKS = 8  # a damped trend (4 parameters) on fewer blocks is a guess
MIN_SEASONS = 5  # a drift from fewer whole seasons follows one odd year
MIN_BLOCK_SIZES = 2  # quarterly data have one (2 quarters): there the member was worse


def block_means(z: FloatArray, size: int) -> FloatArray:
    """Means of consecutive blocks of `size`, aligned on the last observation (a partial first block is dropped)."""
    count = z.size // size
    return z[z.size - count * size :].reshape(count, size).mean(axis=1)


def _joined(last: float, forecasts: FloatArray, n: int, size: int, horizon: int) -> FloatArray:
    """Block values at their centres (the last observed block, then the forecasts), joined linearly
    and read at the next `horizon` time points."""
    centres = (n - 1 - (size - 1) / 2) + size * np.arange(forecasts.size + 1)
    return np.interp(np.arange(n, n + horizon), centres, np.concatenate([[last], forecasts]))


def _block_path(z: FloatArray, size: int, horizon: int) -> FloatArray:
    """SES or damped trend (by AICc) on the block means of z, as a path at z's frequency."""
    blocks = block_means(z, size)
    steps = -(-horizon // size) + 1  # one block past the horizon, so the last steps interpolate
    fit = min((fit_smoothing(blocks, kind) for kind in ("ses", "damped")), key=lambda fit: fit.aicc)
    return _joined(float(blocks[-1]), fit.forecast(steps), z.size, size, horizon)


def _season_drift_path(y: FloatArray, season_length: int, horizon: int) -> FloatArray:
    """Logs of the yearly means, extended by their average growth, as a path at y's frequency."""
    years = np.log(block_means(y, season_length))
    steps = -(-horizon // season_length) + 1
    drift = (years[-1] - years[0]) / (years.size - 1)
    return _joined(float(years[-1]), years[-1] + drift * np.arange(1, steps + 1), y.size, season_length, horizon)


def temporal_forecast(y: FloatArray, horizon: int, season_length: int, deseason: Deseasonaliser) -> FloatArray | None:
    """The member's forecast on the data's scale, or None where it does not apply.

    `deseason` is the pool's seasonal pattern: of log(y) when y > 0 (additive on logs), else of
    y itself (additive). With zeros in the data only the whole-season half can apply (yearly
    means are still positive)."""
    m = season_length
    sizes = [size for size in range(2, m) if m % size == 0 and y.size // size >= MIN_BLOCKS]
    if len(sizes) < MIN_BLOCK_SIZES:
        return None
    positive = bool(np.all(y > 0))
    halves = []
    if positive:
        z = deseason.remove(np.log(y))
        halves.append(np.mean([np.exp(_block_path(z, size, horizon)) for size in sizes], axis=0))
    if y.size // m >= MIN_SEASONS and np.all(block_means(y, m) > 0):
        halves.append(np.exp(_season_drift_path(y, m, horizon)))
    if not halves:
        return None
    level = np.mean(halves, axis=0)
    if positive:
        return np.asarray(np.exp(deseason.restore(np.zeros(horizon))) * level, dtype=float)
    return deseason.restore(level)
