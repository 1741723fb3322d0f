"""The pool of fast models for regular (non-intermittent) series, and their combination.

Members, each a grid / closed-form fit (milliseconds): SES, damped trend, Theta, dynamic
optimised Theta and ARIMA(p,1,0) on the classically deseasonalised series; the Theta forms and
damped trend again on logs (growth in proportion), dynamic optimised Theta on logs also bagged
(:mod:`bagging`, 10 refits); the airline model; Holt-Winters and the ETS form chosen by AICc, on
logs or the raw data (evolving seasonality); seasonal ARIMA(p,0,0)(P,1,0); dynamic optimised
Theta after an STL seasonal adjustment (:mod:`stl_theta`, a pattern that drifts). The default is
the mean of the ETS, ARIMA and Theta families' members (Theta on logs, bagged, and on the data;
on seasonal series also after STL): combinations of diverse families beat each alone (M
competitions).

Every choice here was measured on development data (M3 monthly and the M1 / Tourism training
holdouts; the competitions' test periods only confirm): the figures, and what was tried and
dropped, are in DECISIONS.md beside this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from livebase.forecasting.airline import fit_airline
from livebase.forecasting.arima import fit_arima
from livebase.forecasting.bagging import bagged_forecast, can_bag
from livebase.forecasting.dynamic_theta import fit_dynamic_theta
from livebase.forecasting.holt_winters import HoltWintersFit, fit_holt_winters
from livebase.forecasting.seasonal_arima import fit_seasonal_arima
from livebase.forecasting.seasonality import Deseasonaliser
from livebase.forecasting.smoothing import FloatArray, SmoothingFit, fit_smoothing
from livebase.forecasting.stl_theta import fit_stl_theta
from livebase.forecasting.theta import theta_forecast

# Chosen on the development sets (not the benchmark sets' test periods): see DECISIONS.md.
# One member per family, as in the ETS + ARIMA + Theta average, the Theta family on logs and on
# the data (growth in proportion and in units), and on seasonal series Theta after STL (a
# seasonal pattern that drifts). Each role lists its substitutes in order, for data where the
# first cannot be fitted (zeros: no logs; short: no seasonal ARIMA). A member that two roles fall
# back to counts once.
ROLES = (
    ("bagged_log_dotm", "log_dotm", "dotm", "log_theta", "theta"),
    ("dotm", "theta"),
    ("auto_ets", "ets"),
    ("sarima", "airline", "arima"),
    ("stl_dotm",),  # seasonal series only: the pattern that evolves (DECISIONS.md, round 9)
)
MIN_TREND_POINTS = 8  # below this a trend (2 more parameters) is not estimable in any useful sense


@dataclass
class PoolForecast:
    """Member forecasts on the original scale, their error spreads and in-sample residuals."""

    mean: dict[str, FloatArray] = field(default_factory=dict)
    sigma: dict[str, FloatArray] = field(default_factory=dict)
    residuals: dict[str, FloatArray] = field(default_factory=dict)
    seasonal: str = "none"
    members: tuple[str, ...] = ()

    def put(self, name: str, mean: FloatArray, sigma: FloatArray, residuals: FloatArray) -> None:
        self.mean[name], self.sigma[name], self.residuals[name] = mean, sigma, residuals

    def add_combination(self, name: str, members: tuple[str, ...]) -> None:
        """The members' mean. Its spread is that of an equal mixture of the members' forecast
        distributions: their own variances plus how far their means lie from the combination
        (members that disagree widen the interval). The mean of the members' spreads, used
        before, covered 87% of M1 holdout points at 95% (DECISIONS.md, round 8)."""
        present = [member for member in members if member in self.mean]
        if len(present) < 2:
            return
        means = np.array([self.mean[m] for m in present])
        sigmas = np.array([self.sigma[m] for m in present])
        self.mean[name] = means.mean(axis=0)
        self.sigma[name] = np.sqrt(np.mean(sigmas**2 + (means - self.mean[name]) ** 2, axis=0))
        self.residuals[name] = np.mean([self.residuals[m] for m in present], axis=0)


def _sigma(fit: SmoothingFit, horizon: int) -> FloatArray:
    return np.sqrt(fit.sigma2 * fit.variance_multipliers(horizon))


def _deseasonaliser(y: FloatArray, season_length: int, logs: bool) -> Deseasonaliser:
    """The seasonality test's verdict; where it has little data (< 3 seasons) and says no,
    AICc of SES with vs without the m-1 seasonal indices gets the last word."""
    deseason = Deseasonaliser(y, season_length, logs=logs)
    if deseason.active or season_length < 2 or not 2 * season_length <= y.size < 3 * season_length:
        return deseason
    forced = Deseasonaliser(y, season_length, test=False, logs=logs)
    with_season = fit_smoothing(forced.remove(y), "ses").aicc_with(season_length - 1)
    return forced if with_season < fit_smoothing(y, "ses").aicc else deseason


def _deseasonalised_members(
    pool: PoolForecast, y: FloatArray, horizon: int, season_length: int, prefix: str, with_arima: bool
) -> Deseasonaliser:
    """SES, damped trend, Theta, dynamic optimised Theta (and ARIMA) on the classically
    deseasonalised series (y are logs when prefix is "log_")."""
    deseason = _deseasonaliser(y, season_length, logs=prefix == "log_")
    z = deseason.remove(y)
    scale = deseason.scale(length=horizon)
    in_sample = deseason.scale(start=0, length=y.size)  # residuals back on the data's scale
    kinds = ["ses", "damped"] if z.size >= MIN_TREND_POINTS else ["ses"]
    fits = {kind: fit_smoothing(z, kind) for kind in kinds}
    for kind, fit in fits.items():
        pool.put(
            prefix + kind,
            deseason.restore(fit.forecast(horizon)),
            _sigma(fit, horizon) * scale,
            fit.residuals * in_sample,
        )
    ets = min(fits.values(), key=lambda fit: fit.aicc)  # SES or damped, by AICc
    pool.put(
        prefix + "ets",
        pool.mean[prefix + ets.kind],
        pool.sigma[prefix + ets.kind],
        pool.residuals[prefix + ets.kind],
    )
    pool.put(
        prefix + "theta",
        deseason.restore(theta_forecast(z, horizon, fits["ses"])),
        pool.sigma[prefix + "ses"],
        pool.residuals[prefix + "ses"],
    )
    fitted = {"dotm": fit_dynamic_theta(z), "arima": fit_arima(z) if with_arima else None}
    for name, member in fitted.items():
        if member is not None:  # too short or degenerate for this member
            pool.put(
                prefix + name,
                deseason.restore(member.forecast(horizon)),
                member.sigma(horizon) * scale,
                member.residuals * in_sample,
            )
    return deseason


def _put_transformed(
    pool: PoolForecast, name: str, y: FloatArray, log: bool, mean: FloatArray, sigma: FloatArray, resid: FloatArray
) -> None:
    """Store a member fitted on z = log(y) (back-transformed; delta method) or on y itself."""
    if log:
        mean = np.exp(mean)
        pool.put(name, mean, mean * sigma, y * resid)
    else:
        pool.put(name, mean, sigma, resid)


def _auto_ets(
    pool: PoolForecast, y: FloatArray, horizon: int, season_length: int, fitted: HoltWintersFit | None
) -> None:
    """ETS by AICc among SES, damped and Holt-Winters, on logs (when positive) and on the raw data.

    AICc on logs is put on the data's scale by the Jacobian of the log, 2 * sum(log y), so the
    two scales compete in one likelihood (additive season vs season in proportion)."""
    if y.size < MIN_TREND_POINTS:
        return
    candidates: list[tuple[float, bool, FloatArray, FloatArray, FloatArray]] = []
    for log in (True, False) if np.all(y > 0) else (False,):
        z = np.log(y) if log else y.astype(float)
        jacobian = 2.0 * float(np.sum(z)) if log else 0.0
        # `fitted` is Holt-Winters on the pool's scale (logs when positive): fit the other scale only.
        hw = fitted if log or not np.all(y > 0) else fit_holt_winters(z, season_length)
        if hw is not None:
            candidates.append((hw.aicc + jacobian, log, hw.forecast(horizon), hw.sigma(horizon), hw.residuals))
        for kind in ("ses", "damped"):
            fit = fit_smoothing(z, kind)
            candidates.append((fit.aicc + jacobian, log, fit.forecast(horizon), _sigma(fit, horizon), fit.residuals))
    _, log, mean, sigma, residuals = min(candidates, key=lambda candidate: candidate[0])
    _put_transformed(pool, "auto_ets", y, log, mean, sigma, residuals)


def _seasonal_members(pool: PoolForecast, y: FloatArray, horizon: int, season_length: int) -> None:
    """Holt-Winters, ETS chosen by AICc among seasonal and non-seasonal forms, and seasonal
    ARIMA; on logs when the data are positive (season and growth in proportion)."""
    log = bool(np.all(y > 0))
    z = np.log(y) if log else y.astype(float)
    hw = fit_holt_winters(z, season_length)
    if hw is not None:
        _put_transformed(pool, "hw", y, log, hw.forecast(horizon), hw.sigma(horizon), hw.residuals)
    _auto_ets(pool, y, horizon, season_length, hw)
    sarima = fit_seasonal_arima(z, season_length)
    if sarima is not None:
        _put_transformed(pool, "sarima", y, log, sarima.forecast(horizon), sarima.sigma(horizon), sarima.residuals)


def _log_dotm_forecast(z: FloatArray, horizon: int, season_length: int) -> FloatArray | None:
    """Dynamic optimised Theta on logs z, deseasonalised as in the pool; logs of the forecast."""
    deseason = _deseasonaliser(z, season_length, logs=True)
    fit = fit_dynamic_theta(deseason.remove(z))
    return None if fit is None else deseason.restore(fit.forecast(horizon))


def _bagged_log_dotm(pool: PoolForecast, y: FloatArray, horizon: int, season_length: int) -> None:
    """The log DOTM member bagged (:mod:`bagging`); its spread in proportion to its mean, as before."""
    if "log_dotm" not in pool.mean or not can_bag(y, season_length):
        return
    original = pool.mean["log_dotm"]
    logs = bagged_forecast(
        lambda copy: _log_dotm_forecast(copy, horizon, season_length), np.log(y), season_length, np.log(original)
    )
    mean = np.exp(logs)
    pool.put("bagged_log_dotm", mean, pool.sigma["log_dotm"] * mean / original, pool.residuals["log_dotm"])


def _stl_dotm(pool: PoolForecast, y: FloatArray, horizon: int, season_length: int) -> None:
    """Dynamic optimised Theta after an STL seasonal adjustment (:mod:`stl_theta`), on logs
    when the data are positive; absent where the series is not seasonal."""
    log = bool(np.all(y > 0))
    z = np.log(y) if log else y.astype(float)
    fit = fit_stl_theta(z, season_length)
    if fit is not None:
        _put_transformed(pool, "stl_dotm", y, log, fit.forecast(horizon), fit.sigma(horizon), fit.residuals)


def fit_pool(y: FloatArray, horizon: int, season_length: int) -> PoolForecast:
    """Fit every member and add the combinations ("combination" is the default forecast)."""
    pool = PoolForecast()
    deseason = _deseasonalised_members(pool, y, horizon, season_length, "", with_arima=True)
    if deseason.active:
        pool.seasonal = "multiplicative" if deseason.multiplicative else "additive"
    if np.all(y > 0) and y.size >= MIN_TREND_POINTS:
        # The same members on logs: growth extrapolated in proportion, not in units.
        logs = PoolForecast()
        _deseasonalised_members(logs, np.log(y), horizon, season_length, "log_", with_arima=False)
        for name in ("log_theta", "log_damped", "log_ets", "log_dotm"):
            if name not in logs.mean:
                continue
            mean = np.exp(logs.mean[name])
            pool.put(name, mean, mean * logs.sigma[name], y * logs.residuals[name])  # delta method
        _bagged_log_dotm(pool, y, horizon, season_length)
    airline = fit_airline(y, season_length)
    if airline is not None:
        mean, sigma = airline.forecast(horizon)
        residuals = y * airline.innovations if airline.log else airline.innovations
        pool.put("airline", mean, sigma, residuals)
    _seasonal_members(pool, y, horizon, season_length)
    _stl_dotm(pool, y, horizon, season_length)
    present = [[name for name in role if name in pool.mean] for role in ROLES]
    pool.members = tuple(dict.fromkeys(names[0] for names in present if names))
    pool.add_combination("combination", pool.members)
    return pool
