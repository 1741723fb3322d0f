"""`forecast`: route one series to the right model family and return mean + intervals.

The stated rules, in order:
1. Bad input (NaN, negative, wrong shapes) raises :class:`ForecastInputError`.
2. No demand at all -> zeros. Fewer than 3 points -> last value (nothing can be fitted).
3. With regressors -> :mod:`exogenous` (regression + smoothing vs SARIMAX, chosen by
   rolling-origin validation on the last `horizon` points).
4. Intermittent demand (ADI > 4/3) -> Croston / SBA / TSB, chosen by in-sample one-step MSE.
5. Otherwise the smooth pool (:mod:`pool`): one member per family, as in the ETS + ARIMA +
   Theta average that wins M-competitions: dynamic optimised Theta on the classically
   deseasonalised series, on logs (bagged: the median over bootstrapped copies of the series)
   and on the data (two members); ETS chosen by AICc among SES,
   damped trend and Holt-Winters (seasonal) forms on logs; seasonal ARIMA(p,0,0)(P,1,0) with
   drift on logs; on seasonal series, dynamic optimised Theta after an STL adjustment (a
   seasonal pattern that drifts). The forecast is their mean (substitutes when a member cannot
   be fitted: zeros, short history). `selection="validate"` instead picks one member or the
   combination by rolling-origin validation (scaled MAE over 2 origins); on the M3 monthly
   development set the fixed combination was more accurate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from livebase.forecasting.exogenous import CANDIDATES, forecast_with_exog
from livebase.forecasting.intermittent import classify, fit_intermittent
from livebase.forecasting.pool import fit_pool
from livebase.forecasting.result import (
    DEFAULT_LEVEL,
    ForecastInputError,
    ForecastResult,
    as_exog,
    as_history,
    make_result,
    z_value,
)
from livebase.forecasting.smoothing import FloatArray

Selection = Literal["combine", "validate"]


def _check_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ForecastInputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _validated_choice(y: FloatArray, horizon: int, season_length: int, origins: int = 2) -> str | None:
    """Member with the lowest scaled MAE over `origins` rolling origins inside the history."""
    step = max(1, horizon // 2)
    totals: dict[str, float] = {}
    for k in range(1, origins + 1):
        cut = y.size - k * step
        if cut < max(2 * season_length + 8, 12):
            return None
        train, test = y[:cut], y[cut : cut + horizon]
        scale = float(np.mean(np.abs(np.diff(train)))) or 1.0
        for name, mean in fit_pool(train, test.size, season_length).mean.items():
            totals[name] = totals.get(name, 0.0) + float(np.mean(np.abs(test - mean))) / scale
    return min(totals, key=lambda name: totals[name]) if totals else None


def _smooth(y: FloatArray, horizon: int, season_length: int, level: float, selection: Selection) -> ForecastResult:
    pool = fit_pool(y, horizon, season_length)
    default = "combination" if "combination" in pool.mean else "theta"
    choice = default
    if selection == "validate":
        choice = _validated_choice(y, horizon, season_length) or default
    label = {
        "ses": "SES",
        "damped": "damped trend (ETS A,Ad,N)",
        "theta": "Theta",
        "arima": "ARIMA(p,1,0)",
        "log_theta": "Theta on logs",
        "dotm": "dynamic optimised Theta",
        "log_dotm": "dynamic optimised Theta on logs",
        "bagged_log_dotm": "bagged dynamic optimised Theta on logs",
        "log_damped": "damped trend on logs",
        "airline": "airline ARIMA(0,1,1)(0,1,1)",
        "hw": "Holt-Winters",
        "auto_ets": "ETS chosen by AICc",
        "sarima": "seasonal ARIMA(p,0,0)(P,1,0)",
        "stl_dotm": "dynamic optimised Theta after STL",
    }.get(choice) or f"mean({', '.join(pool.members)})"
    if pool.seasonal != "none":
        label += f"; Theta on {pool.seasonal}ly deseasonalised series (m={season_length})"
    return make_result(
        pool.mean[choice],
        pool.sigma[choice],
        level,
        label,
        pool.residuals[choice],
        {"selection": selection, "choice": choice, "members": dict(pool.mean)},
    )


def _intermittent(
    y: FloatArray, horizon: int, level: float, scale: FloatArray | None = None, note: str = ""
) -> ForecastResult:
    """Croston / SBA / TSB, the best in-sample; ``scale`` multiplies each step (regressor uplift)."""
    fits = [fit_intermittent(y, method) for method in ("croston", "sba", "tsb")]
    best = min(fits, key=lambda f: float(np.mean(f.residuals**2)) if f.residuals.size else np.inf)
    sigma1 = float(np.sqrt(np.mean(best.residuals**2))) if best.residuals.size else 0.0
    # Level-only model: h-step variance grows as in SES with the chosen smoothing constant.
    sigma = sigma1 * np.sqrt(1 + best.alpha**2 * np.arange(horizon))
    steps = np.ones(horizon) if scale is None else scale
    pattern = classify(y)
    return make_result(
        best.forecast(horizon) * steps,
        sigma * steps,
        level,
        f"{best.method.upper()} (intermittent: {pattern.category}, ADI {pattern.adi:.2f}, CV2 {pattern.cv2:.2f}){note}",
        best.residuals,
        {"alpha": best.alpha, "beta": best.beta},
    )


# An uplift needs this many periods on each side of a regressor (active / not) to be estimated.
MIN_UPLIFT_PERIODS = 3
UPLIFT_BOUNDS = (0.5, 4.0)  # a handful of sales days cannot justify a larger swing


def regressor_uplifts(y: FloatArray, x: FloatArray, names: Sequence[str]) -> dict[str, float]:
    """Per regressor, mean demand in periods where it is on over periods where it is off (bounded).

    Intermittent demand has too few non-zero periods for a regression; a ratio of means per
    regressor (a live session, a promotion, a festival day) is what the data can carry. A
    regressor seen on or off in fewer than ``MIN_UPLIFT_PERIODS`` periods gets no uplift.
    """
    uplifts: dict[str, float] = {}
    for column, name in enumerate(names):
        on = x[:, column] > 0
        if on.sum() < MIN_UPLIFT_PERIODS or (~on).sum() < MIN_UPLIFT_PERIODS:
            continue
        base = float(y[~on].mean())
        if base <= 0:
            continue
        uplifts[name] = float(np.clip(float(y[on].mean()) / base, *UPLIFT_BOUNDS))
    return uplifts


def _intermittent_with_regressors(
    y: FloatArray, horizon: int, level: float, x: FloatArray, future: FloatArray, names: Sequence[str]
) -> ForecastResult:
    """The intermittent forecast scaled, period by period, by the uplift of each regressor that is on.

    The intermittent rate is fitted on all periods, regressor days included, so it is first
    brought back to the off-days base (divided by the history's mean multiplier), then each
    future period is multiplied by the uplifts of the regressors on in it.
    """
    uplifts = regressor_uplifts(y, x, names)
    if not uplifts:
        return _intermittent(y, horizon, level, note="; regressors: too few periods to estimate an uplift")
    columns = [list(names).index(name) for name in uplifts]
    factors = np.array(list(uplifts.values()))

    def multiplier(rows: FloatArray) -> FloatArray:
        on = rows[:, columns] > 0
        return np.asarray(np.prod(np.where(on, factors, 1.0), axis=1), dtype=float)

    scale = multiplier(future) / float(multiplier(x).mean())
    shown = ", ".join(f"{name} x{value:.2f}" for name, value in uplifts.items())
    return _intermittent(y, horizon, level, scale, f"; regressor uplift {shown}")


def forecast(
    history: Any,
    horizon: int,
    season_length: int,
    exog: Any = None,
    future_exog: Any = None,
    *,
    level: float = DEFAULT_LEVEL,
    selection: Selection = "combine",
    exog_models: Sequence[str] = CANDIDATES,
) -> ForecastResult:
    """Forecast `horizon` steps of a non-negative series (oldest first).

    `exog` (n rows) and `future_exog` (horizon rows) are regressors such as promotion,
    livestream-session and festival dummies; give both or neither. Intervals are central at
    `level` (0.95 by default), normal around the mean, clipped at 0. `exog_models` limits the
    regressor candidates (("regression",) skips the slower SARIMAX).
    """
    y = as_history(history)
    horizon = _check_int(horizon, "horizon")
    season_length = _check_int(season_length, "season_length")
    z_value(level)
    if selection not in ("combine", "validate"):
        raise ForecastInputError(f"selection must be 'combine' or 'validate', got {selection!r}")
    if (exog is None) != (future_exog is None):
        raise ForecastInputError("give both exog (history rows) and future_exog (horizon rows), or neither")
    if not np.any(y > 0):
        zeros = np.zeros(horizon)
        return make_result(zeros, zeros, level, "zero (no demand in history)", np.zeros(0))
    if y.size < 3:
        spread = np.sqrt(max(float(y.mean()), 1.0) * np.arange(1, horizon + 1))
        return make_result(np.full(horizon, y[-1]), spread, level, "naive (history too short to fit)", np.zeros(0))
    intermittent = classify(y).is_intermittent
    if exog is not None:
        x, names = as_exog(exog, y.size, "exog")
        future, _ = as_exog(future_exog, horizon, "future_exog", names)
        if intermittent:  # a regression on mostly-zero demand fits the zeros: keep the intermittent method
            return _intermittent_with_regressors(y, horizon, level, x, future, names)
        return forecast_with_exog(y, x, future, names, season_length, level, exog_models)
    if intermittent:
        return _intermittent(y, horizon, level)
    return _smooth(y, horizon, season_length, level, selection)
