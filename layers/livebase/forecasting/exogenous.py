"""Forecasting with regressors (promotions, livestream sessions, festivals).

Two candidates, chosen per series by rolling-origin validation on the last part of the history
(the stated rule: lower MAE on held-out points wins; too short to hold out -> regression):
- "regression": effects estimated against a moving-average baseline (backfitting, so a level
  shift is not mistaken for a promotion), the adjusted series forecast by the smooth-pool
  median, future effects added back. Milliseconds.
- "sarimax": statsmodels SARIMAX(1,1,1) with the regressors and seasonal dummies. Slower
  (hundreds of ms on two years of days) but models autocorrelated errors properly.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from livebase.forecasting.pool import fit_pool
from livebase.forecasting.result import ForecastResult, make_result
from livebase.forecasting.smoothing import FloatArray

CANDIDATES = ("regression", "sarimax")
_BACKFIT_ROUNDS = 3


def _baseline(y: FloatArray, window: int) -> FloatArray:
    """Centred moving average with the window shrunk at both ends."""
    half = window // 2
    padded = np.concatenate([[0.0], np.cumsum(y)])
    idx = np.arange(y.size)
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half + 1, y.size)
    return (padded[hi] - padded[lo]) / (hi - lo)


def _regression(
    y: FloatArray, x: FloatArray, future: FloatArray, season_length: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, str]:
    """Mean, sigma, residuals, effects and pool label of regression + smooth pool."""
    window = max(season_length, 7) | 1
    beta: FloatArray = np.zeros(x.shape[1])
    for _ in range(_BACKFIT_ROUNDS):
        base = _baseline(y - x @ beta, window)
        beta = np.asarray(np.linalg.lstsq(x, y - base, rcond=None)[0], dtype=np.float64)
    adjusted = y - x @ beta
    pool = fit_pool(adjusted, future.shape[0], season_length)
    name = "combination" if "combination" in pool.mean else "theta"
    label = f"mean({', '.join(pool.members)})" if name == "combination" else name
    return pool.mean[name] + future @ beta, pool.sigma[name], pool.residuals[name], beta, label


def _season_dummies(start: int, length: int, season_length: int) -> FloatArray:
    if season_length <= 1:
        return np.zeros((length, 0))
    phase = (np.arange(start, start + length)) % season_length
    return (phase[:, None] == np.arange(1, season_length)[None, :]).astype(float)


def _sarimax(
    y: FloatArray, x: FloatArray, future: FloatArray, season_length: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    use_dummies = season_length > 1 and y.size >= 2 * season_length
    m = season_length if use_dummies else 1
    design = np.column_stack([x, _season_dummies(0, y.size, m)])
    future_design = np.column_stack([future, _season_dummies(y.size, future.shape[0], m)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SARIMAX(y, exog=design, order=(1, 1, 1), enforce_stationarity=True, enforce_invertibility=True)
        fitted = model.fit(disp=False, maxiter=50)
        prediction = fitted.get_forecast(future.shape[0], exog=future_design)
    return (
        np.asarray(prediction.predicted_mean, dtype=float),
        np.asarray(prediction.se_mean, dtype=float),
        np.asarray(fitted.resid, dtype=float)[1:],
    )


def _holdout_size(n: int, horizon: int, season_length: int) -> int:
    size = min(horizon, n // 5)
    return size if n - size >= 2 * season_length + 10 and size >= 1 else 0


def forecast_with_exog(
    y: FloatArray,
    x: FloatArray,
    future: FloatArray,
    names: Sequence[str],
    season_length: int,
    level: float,
    candidates: Sequence[str] = CANDIDATES,
) -> ForecastResult:
    """Pick a candidate by held-out MAE, refit it on the whole history, forecast."""
    unknown = set(candidates) - set(CANDIDATES)
    if unknown or not candidates:
        raise ValueError(f"candidates must be a non-empty subset of {CANDIDATES}, got {list(candidates)}")
    horizon = future.shape[0]
    holdout = _holdout_size(y.size, horizon, season_length)
    scores: dict[str, float] = {}
    if holdout and len(candidates) > 1:
        cut = y.size - holdout
        train_y, train_x, test_y, test_x = y[:cut], x[:cut], y[cut:], x[cut:]
        for name in candidates:
            try:
                mean = (
                    _regression(train_y, train_x, test_x, season_length)[0]
                    if name == "regression"
                    else _sarimax(train_y, train_x, test_x, season_length)[0]
                )
            except (np.linalg.LinAlgError, ValueError):
                continue
            scores[name] = float(np.mean(np.abs(test_y - np.maximum(mean, 0.0))))
    choice = min(scores, key=lambda k: scores[k]) if scores else candidates[0]
    details: dict[str, object] = {"holdout": holdout, "holdout_mae": scores, "regressors": list(names)}
    if choice == "sarimax":
        mean, sigma, residuals = _sarimax(y, x, future, season_length)
        label = "SARIMAX(1,1,1) + regressors"
    else:
        mean, sigma, residuals, beta, pool_label = _regression(y, x, future, season_length)
        details["effects"] = dict(zip(names, map(float, beta), strict=True))
        label = f"regression on regressors + {pool_label}"
    label += f" [{', '.join(names)}]; chosen by held-out MAE" if scores else f" [{', '.join(names)}]"
    return make_result(mean, sigma, level, label, residuals, details)
