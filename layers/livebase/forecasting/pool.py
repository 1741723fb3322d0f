"""The pool of fast models for regular (non-intermittent) series, and their combination.

Members, each a grid / closed-form fit (milliseconds): SES, damped trend, Theta, dynamic
optimised Theta and ARIMA(p,1,0) on the classically deseasonalised series; the Theta forms and
damped trend again on logs (growth in proportion), dynamic optimised Theta on logs also bagged
(:mod:`bagging`, 10 refits); the airline model; Holt-Winters and the ETS form chosen by AICc, on
logs or the raw data (evolving seasonality); seasonal ARIMA(p,0,0)(P,1,0). The default is the
mean of the ETS, ARIMA and Theta families' members (Theta on logs, bagged, and on the data):
combinations of diverse families beat each alone (M competitions).

DECISIONS, measured on every 4th M3 monthly series (357; development data: the benchmark sets
M1 and Tourism were not used for choosing), sMAPE / MASE. References on the same series:
statsforecast AutoETS 13.80/0.845, AutoARIMA 14.60/0.856, statsmodels Theta 13.86/0.852, their
mean 13.44/0.815. Earlier: Theta 13.76/0.845, damped 13.90/0.862, mean(SES, damped, Theta)
13.53/0.853, + airline 13.35/0.831; mean(Theta, log Theta, ETS, airline) 13.23/0.823 (the
previous default). Rolling-origin choice of one member per series was worse (13.66/0.848).
Members added (benchmarks/forecast_dev_m3.py): Holt-Winters on logs 13.62/0.850 (additive on
the raw data 14.41/0.854: logs kept); ETS by AICc among SES, damped and Holt-Winters on logs
("auto_ets") 13.43/0.841; seasonal ARIMA on logs 14.89/0.906 alone, but it is the diverse one.
Combinations: mean(Theta, log Theta, auto_ets, airline) 13.13/0.818, + seasonal ARIMA
12.99/0.803, + Holt-Winters 12.98/0.805; mean(log Theta, auto_ets, seasonal ARIMA)
12.92/0.799 <- the default (median 13.07/0.810; weights by in-sample MSE 12.94/0.799, no gain).
The same ranking held on the other 1071 M3 monthly series: previous default 13.66/0.856,
five members 13.52/0.841, the three 13.44/0.835. Confirmation on the benchmark sets (not used to
choose): M1 14.18/1.037 (previous 14.81/1.047), Tourism 18.95/1.571 (previous 19.43/1.633);
still behind the ETS/ARIMA/Theta average on both 120-series subsets and AutoETS on Tourism MASE.
Round 2 (same 357 series; default then 12.92/0.799): auto_ets now also weighs SES, damped and
Holt-Winters on the raw data, AICc on logs put on the data's scale by + 2 sum(log y): alone
13.52/0.840 (was 13.44/0.842), default 12.94/0.797; on the other 1071 series 13.42/0.831 (was
13.44/0.834) <- adopted (better on M3 as a whole in both measures; on the 357 MASE only). Tried and
not adopted (M3 357): seasonal MA(1) on a grid in the seasonal ARIMA, better alone (14.72/0.883
vs 14.89/0.906) but the default worsened (13.02/0.805); damping the log Theta drift (phi 0.99..0.93:
12.92/0.799..0.801); mean of Theta and log Theta as the Theta member 12.94/0.799; raw Theta
12.98/0.801; mean of seasonal ARIMA and airline as the ARIMA member 12.96/0.803; airline as a
fourth member 13.02/0.804. Confirmation: M1 14.16/1.033, Tourism 18.94/1.569 (AutoETS 1.531: still
lost); 120-series subsets M1 17.40/1.159, Tourism 18.62/1.511 (average 16.97/1.125, 17.91/1.395).
Also not better on M3 357: auto_ets weighted twice 12.97/0.800; + Holt-Winters 12.95/0.802; +
log damped 12.92/0.802. Cost: one more Holt-Winters fit, CPU 0.037 (M1) / 0.105 (Tourism) s/series,
AutoETS 0.097 / 0.255.
Round 3 (same 357; default then 12.94/0.797). Dynamic optimised Theta (Fiorucci et al. 2016;
alpha on a grid, initial level and theta by least squares; forecasts match statsforecast's
DynamicOptimizedTheta on the series checked) alone 13.32/0.826 raw, 13.02/0.814 on logs (Theta
13.76/0.845, log Theta 13.31/0.836). As the Theta member: 12.86/0.791 (other 1071: 13.37/0.827 vs
13.41/0.831); with raw DOTM as a fourth member 12.82/0.791 (1071: 13.32/0.827) <- the default
(better on both partitions in both measures; the MASE gain is tiny). Tried and not adopted:
seasonal ARIMA(p,d,q)(P,1,Q) by conditional sum of squares (scipy least squares, 12 orders by
AICc, d by KPSS, D by the seasonality test, drift by AICc): alone 13.89/0.850 (beats AutoARIMA)
but as the ARIMA member 12.96/0.800, as a fifth member 12.88/0.790, at ~0.15 s/series; the
additive-lag AR sarima stays. d by KPSS in that sarima: alone 16.02/1.013, default 13.20/0.824.
Confirmation (not used to choose): M1 14.22/1.031, Tourism 18.83/1.547 (AutoETS 1.531: still
lost); 120-series subsets M1 17.14/1.146, Tourism 18.48/1.490 (average 16.97/1.125, 17.91/1.395:
still lost). CPU 0.042 (M1) / 0.115 (Tourism) s/series.
Round 4 (default then 12.82/0.791; other 1071 13.32/0.827). The log members were deseasonalised
multiplicatively on the logs (when all > 0); now additively there (multiplicative on the data),
indices by per-phase medians (Deseasonaliser(logs=True)): log DOTM 13.02/0.810 (was 13.02/0.814), log Theta
13.30/0.832 (13.31/0.836); default 12.81/0.789, other 1071 13.30/0.825 <- adopted (additive on
logs alone 12.82/0.790, 13.32/0.826). Tried and not adopted (M3 357 / 1071). With the new pattern:
medians for the raw data's pattern too 12.82/0.789, 13.30/0.824; seasonality test at z 1.28 on
the logs 12.81/0.789, 13.30/0.825 (no real difference: the M4 rule kept); fifth member log Theta /
log damped / Holt-Winters 12.82/0.791, 12.83/0.794, 12.86/0.794. On the round-3 default: pattern
from logs for raw DOTM 12.83/0.791; indices from the last 3 / 5 seasons 12.89/0.800, 12.84/0.794;
test at z 1.28 / 1.96 / 2.58 (both DOTMs) 12.84/0.792, 12.85/0.797, 13.02/0.815, always
deseasonalise 13.08/0.804; Box-Cox (Guerrero, lambda in [0, 1], additive pattern) for log DOTM
12.87/0.792; median of the four 12.98/0.802, trimmed means over 5-9 members 12.87/0.798 at best;
weights by inverse holdout MAE (pool refitted without the last h points; power 0.5..2, shrunk to
equal or not, or dropping the worst) 12.88/0.793 at best. Confirmation (not used to choose): M1
14.20/1.029, Tourism 18.54/1.494 (AutoETS 19.09/1.531: now ahead); 120-series subsets M1
17.12/1.144, Tourism 18.14/1.434 (average 16.97/1.125, 17.91/1.395: still lost). CPU 0.039 (M1) /
0.109 (Tourism) s/series.
Round 5 (default 12.81/0.789; 1071 13.30/0.825), nothing better on both partitions in both
measures, so nothing adopted: ARIMA(p,1,0) on deseasonalised logs as the ARIMA member
13.29/0.812 (13.66/0.843), as a fifth 12.98/0.793; sarima on the raw data 13.32/0.791; the CSS
seasonal ARIMA as the ARIMA member 12.93/0.799, as a fifth 12.81/0.788 (1071 13.33/0.826: worse),
averaged with sarima 12.83/0.791 (13.29/0.826); auto_ets with log forms only for positive series
12.80/0.790 (13.32/0.827).
Round 6 (default unchanged). The full benchmark sets with AutoARIMA (first run; not used to
choose): M1 14.20/1.029 vs the ETS/ARIMA/Theta average 15.03/1.038 (ahead in both), Tourism
18.54/1.494 vs 18.31/1.457 (behind). Development data widened without their test periods: the M1 /
Tourism monthly training series, last h points held out (forecast_dev_m3.py --data m1-holdout /
tourism-holdout; 549 / 366 series): default 17.43/1.203, 23.44/1.815 (AutoETS 17.78/1.214,
24.87/1.925); against the average there, M1 17.43/1.203 vs 18.28/1.201 and, on every 2nd Tourism
series (183), 23.76/1.717 vs 24.30/1.740. Tried, nothing better on every development set, so
nothing adopted (M3 357 / M3 1071 / M1 holdout / Tourism holdout): seasonal MA(1) on a grid
instead of the seasonal AR in sarima 12.88/0.798, 13.29/0.830, 17.31/1.197, 23.43/1.831; every
member on the last 120 points only 12.85/0.791, 13.32/0.825, 17.43/1.203, 23.80/1.839; seasonal
indices from the last 6 seasons 12.84/0.793, 13.30/0.826, 17.42/1.202, 23.35/1.792; from the last
10 (only series over 11 seasons change) Tourism holdout 23.38/1.801, the others unchanged, but
with daily data (m = 7) it would mean the last 10 weeks, which nothing here tests; Holt-Winters
with an undamped trend and beta 0 on its grid (AutoETS picks ETS(A,A,A) with beta ~1e-4 on many
Tourism series; Holt-Winters on logs alone 4% better there) 12.83/0.790, 13.31/0.826, 17.43/1.203,
23.36/1.807; lower alpha / gamma grid points: no change; one weight per family (the two DOTMs
share one) 12.87/0.791, 13.34/0.826; a sixth member (airline, Holt-Winters, Theta, log Theta, SES,
ARIMA, damped) worse on average over the four. Bound: statsforecast's AutoETS in place of auto_ets
would give 23.19/1.805 on the Tourism holdout (17.59/1.188 on M1's): even an ETS member as good as
AutoETS would not close Tourism's gap to the average.
Round 7 (default 12.81/0.789, 13.30/0.825, 17.43/1.203, 23.44/1.815 on M3 357 / M3 1071 / M1
holdout / Tourism holdout). Bagging (Bergmeir, Hyndman & Benitez 2016; :mod:`bagging`): log DOTM
refitted on 10 copies of the log series (STL trend + season, the remainder in moving blocks of
2m), the median of those and the original as the Theta-on-logs member: 12.77/0.786, 13.27/0.823,
17.30/1.195, 23.04/1.782 <- adopted (better on all four in both measures). Alone the bagged
member is worse on M3 357 (13.14/0.816 vs 13.02/0.810) and better on the Tourism holdout
(24.48/1.935 vs 25.80/2.037): it helps the combination by differing. Variants, scored on the
pool's combination (a harness a little apart from `forecast`; its default 12.81/0.789,
13.31/0.825, 17.45/1.203, 23.41/1.815): median 12.77/0.785, 13.28/0.823, 17.29/1.195,
23.00/1.781 <- chosen; mean on the data's scale 12.79/0.786, 13.30/0.825, 17.28/1.193,
23.04/1.784 (on Tourism it raises the member's forecasts 2.6% on average: the spread of the
copies pushes a mean of exponentials up); mean on logs 12.77/0.786, 13.30/0.825, 17.28/1.193,
23.05/1.786; 20 copies 12.75/0.784, 13.28/0.822, 17.32/1.194, 22.99/1.781 (no clear gain for
twice the cost); 5 copies (mean) 12.80/0.788, 13.29/0.826, 17.31/1.193, 23.11/1.791; another
seed (mean) 12.81/0.785, 13.31/0.823, 17.31/1.192, 23.01/1.783; the raw DOTM bagged as well
12.83/0.785, 13.41/0.826, 17.38/1.197, 23.08/1.781. Not adopted either (no bagging): geometric
mean of the four members 12.78/0.787, 13.33/0.823, 17.49/1.196, 23.70/1.839 (harmonic mean,
dropping the member farthest from the median: worse); seasonal ARIMA on the data as a fifth
member 13.27/0.791, 13.65/0.830, 17.59/1.211, 23.02/1.774; STL without its robustness
iterations (8x cheaper: on two years of daily data the bagging costs ~65 ms a series, ~40 of
them robust STL) 12.80/0.785, 13.26/0.821, 17.38/1.202, 23.36/1.809 (robust kept). Bound:
statsforecast's AutoARIMA as the ARIMA member is worse on every set checked (M3 357
13.10/0.801, M1 holdout 17.87/1.217, every 2nd Tourism holdout series 24.66/1.778 vs
23.72/1.718). Confirmation (not used to choose):
M1 14.11/1.027, Tourism 18.46/1.483 (the average 15.03/1.038, 18.31/1.457: Tourism still behind,
by a margin whose paired bootstrap 95% interval over series is -0.5%..+2.2% in sMAPE and
+0.1%..+3.4% in MASE). CPU 0.064 (M1) / 0.147 (Tourism) s/series, AutoETS 0.097 / 0.255.
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
from livebase.forecasting.theta import theta_forecast

# Chosen on the M3 monthly set (development data, not the benchmark sets): see DECISIONS above.
# One member per family, as in the ETS + ARIMA + Theta average, the Theta family on logs and on
# the data (growth in proportion and in units); each role lists its substitutes in order, for
# data where the first cannot be fitted (zeros: no logs; short: no seasonal ARIMA). A member that
# two roles fall back to counts once.
ROLES = (
    ("bagged_log_dotm", "log_dotm", "dotm", "log_theta", "theta"),
    ("dotm", "theta"),
    ("auto_ets", "ets"),
    ("sarima", "airline", "arima"),
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
    present = [[name for name in role if name in pool.mean] for role in ROLES]
    pool.members = tuple(dict.fromkeys(names[0] for names in present if names))
    pool.add_combination("combination", pool.members, "mean")
    return pool
