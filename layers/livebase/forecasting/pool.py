"""The pool of fast models for regular (non-intermittent) series, and their combination.

Members, each a grid / closed-form fit (milliseconds): SES, damped trend, Theta and
ARIMA(p,1,0) on the classically deseasonalised series; Theta and damped trend again on logs
(growth in proportion); the airline model (evolving seasonality). Combinations of diverse
members beat each alone (M-competition results; averages of ETS, ARIMA and Theta).

DECISIONS, measured on every 4th M3 monthly series (development data; the benchmark sets M1
and Tourism were not used for choosing), sMAPE / MASE: Theta 13.76/0.845, damped 13.90/0.862,
mean(SES, damped, Theta) 13.53/0.853, median(+ARIMA) 13.48/0.841, + airline 13.35/0.831,
mean(Theta, damped, log Theta, log damped, airline) 13.18/0.824 <- the default. Reference on the
same series: statsforecast AutoETS 13.79/0.845, mean(AutoETS, AutoARIMA, statsmodels Theta)
13.44/0.815. Picking one member per series by rolling-origin validation was worse (13.66/0.848).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from livebase.forecasting.airline import fit_airline
from livebase.forecasting.arima import fit_arima
from livebase.forecasting.seasonality import Deseasonaliser
from livebase.forecasting.smoothing import FloatArray, SmoothingFit, fit_smoothing
from livebase.forecasting.theta import theta_forecast

# Chosen on the M3 monthly set (development data, not the benchmark sets): see DECISIONS below.
COMBINED = ("theta", "log_theta", "ets", "airline")
FALLBACK_MEMBERS = ("damped", "arima", "ses")
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

    def add_combination(self, name: str, members: tuple[str, ...], how: str) -> None:
        present = [member for member in members if member in self.mean]
        if len(present) < 2:
            return
        combine = np.median if how == "median" else np.mean
        self.mean[name] = combine([self.mean[m] for m in present], axis=0)
        # The spread of a combination is at most the typical member spread: a cautious interval.
        self.sigma[name] = combine([self.sigma[m] for m in present], axis=0)
        self.residuals[name] = combine([self.residuals[m] for m in present], axis=0)


def _sigma(fit: SmoothingFit, horizon: int) -> FloatArray:
    return np.sqrt(fit.sigma2 * fit.variance_multipliers(horizon))


def _deseasonaliser(y: FloatArray, season_length: int) -> Deseasonaliser:
    """The seasonality test's verdict; where it has little data (< 3 seasons) and says no,
    AICc of SES with vs without the m-1 seasonal indices gets the last word."""
    deseason = Deseasonaliser(y, season_length)
    if deseason.active or season_length < 2 or not 2 * season_length <= y.size < 3 * season_length:
        return deseason
    forced = Deseasonaliser(y, season_length, test=False)
    with_season = fit_smoothing(forced.remove(y), "ses").aicc_with(season_length - 1)
    return forced if with_season < fit_smoothing(y, "ses").aicc else deseason


def _deseasonalised_members(
    pool: PoolForecast, y: FloatArray, horizon: int, season_length: int, prefix: str, with_arima: bool
) -> Deseasonaliser:
    """SES, damped trend, Theta (and ARIMA) on the classically deseasonalised series."""
    deseason = _deseasonaliser(y, season_length)
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
    arima = fit_arima(z) if with_arima else None
    if arima is not None:
        pool.put(
            prefix + "arima",
            deseason.restore(arima.forecast(horizon)),
            arima.sigma(horizon) * scale,
            arima.residuals * in_sample,
        )
    return deseason


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
        for name in ("log_theta", "log_damped", "log_ets"):
            mean = np.exp(logs.mean[name])
            pool.put(name, mean, mean * logs.sigma[name], y * logs.residuals[name])  # delta method
    airline = fit_airline(y, season_length)
    if airline is not None:
        mean, sigma = airline.forecast(horizon)
        residuals = y * airline.innovations if airline.log else airline.innovations
        pool.put("airline", mean, sigma, residuals)
    members = [name for name in COMBINED if name in pool.mean]
    if len(members) < 3:
        members += [name for name in FALLBACK_MEMBERS if name in pool.mean and name not in members]
    pool.members = tuple(members)
    pool.add_combination("combination", pool.members, "mean")
    return pool
