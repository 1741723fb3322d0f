"""Dynamic Optimised Theta (Fiorucci et al. 2016, IJF 32(4); statsforecast DynamicOptimizedTheta).

Why: the standard Theta method fixes theta = 2 and fits its trend line once on all the data;
the dynamic optimised form estimates theta (how much of the line's slope is added to the SES
level) and updates the line's intercept A_t and slope B_t as data arrive (least squares through
y_1..y_t), so each in-sample one-step error uses past data only. A_t and B_t depend on the data
only, so the one-step errors are linear in the initial level and in c = 1 - 1/theta: for each
alpha on a grid both are solved exactly by least squares (c clipped to [0, 0.99], theta >= 1),
the same profiled grid fit as in :mod:`smoothing`, in about a millisecond. On 8 M3 monthly series
checked, its forecasts matched statsforecast's DynamicOptimizedTheta (same bounds: alpha in
[0.1, 0.99]) to 1e-4 relative on 7 and 2% on one (a different local optimum there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livebase.forecasting.smoothing import FloatArray

ALPHAS = np.array([0.1, 0.15, 0.2, 0.25, 0.3, 0.36, 0.43, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99])
BURN_IN = 3  # the first errors (the line from 1-3 points) are left out of the fit, as in the paper's code


@dataclass(frozen=True)
class DynamicThetaFit:
    alpha: float
    c: float  # 1 - 1/theta
    level: float
    mean: float
    intercept: float  # A_n
    slope: float  # B_n
    n: int
    residuals: FloatArray
    sse: float

    @property
    def theta(self) -> float:
        return 1.0 / (1.0 - self.c)

    @property
    def sigma2(self) -> float:
        return self.sse / max(self.n - BURN_IN - 3, 1)

    def forecast(self, horizon: int) -> FloatArray:
        """Iterate the state equations with the forecasts standing in for the data."""
        a, c = self.alpha, self.c
        level, mean, intercept, slope = self.level, self.mean, self.intercept, self.slope
        out = np.empty(horizon)
        for h in range(horizon):
            i = self.n + h
            mu = level + c * ((1 - a) ** i * intercept + (1 - (1 - a) ** (i + 1)) / a * slope)
            out[h] = mu
            level = a * mu + (1 - a) * level
            slope = ((i - 1) * slope + 6 * (mu - mean) / (i + 1)) / (i + 2)
            mean = (i * mean + mu) / (i + 1)
            intercept = mean - slope * (i + 2) / 2
        return out

    def sigma(self, horizon: int) -> FloatArray:
        """SES-like growth of the h-step spread (the level's smoothing constant dominates)."""
        return np.sqrt(self.sigma2 * (1.0 + self.alpha**2 * np.arange(horizon)))


def _lines(y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Running mean, intercept A_i and slope B_i of the OLS line through y_0..y_i (time 1..i+1)."""
    n = y.size
    i = np.arange(n, dtype=float)
    mean = np.cumsum(y) / (i + 1)
    slope = np.zeros(n)
    for k in range(1, n):  # the paper's recursive update (equal to the OLS slope)
        slope[k] = ((k - 1) * slope[k - 1] + 6 * (y[k] - mean[k - 1]) / (k + 1)) / (k + 2)
    intercept = mean - slope * (i + 2) / 2
    intercept[0] = y[0]
    return mean, intercept, slope


def fit_dynamic_theta(y: FloatArray) -> DynamicThetaFit | None:
    """Least-squares fit over the alpha grid; None below 2 * BURN_IN + 2 points."""
    n = y.size
    if n < 2 * BURN_IN + 2:
        return None
    mean, intercept, slope = _lines(y)
    a = ALPHAS[:, None]
    i = np.arange(1, n, dtype=float)[None, :]
    # mu_i = level_{i-1} + c * D_i, with level_{i-1} = S_i + (1 - a)^i * level_init.
    decay = (1 - a) ** i
    trend = decay * intercept[None, :-1] + (1 - (1 - a) * decay) / a * slope[None, :-1]
    smoothed = np.empty((ALPHAS.size, n))  # SES level from level_init = 0, at times 0..n-1
    smoothed[:, 0] = ALPHAS * y[0]
    for t in range(1, n):
        smoothed[:, t] = ALPHAS * y[t] + (1 - ALPHAS) * smoothed[:, t - 1]
    # error_i = y_i - smoothed_{i-1} - (1-a)^i * l0 - c * trend_i, for i >= BURN_IN
    target = (y[None, 1:] - smoothed[:, :-1])[:, BURN_IN - 1 :]
    x1 = decay[:, BURN_IN - 1 :]
    x2 = trend[:, BURN_IN - 1 :]
    s11, s12, s22 = (x1 * x1).sum(1), (x1 * x2).sum(1), (x2 * x2).sum(1)
    b1, b2 = (x1 * target).sum(1), (x2 * target).sum(1)
    det = s11 * s22 - s12**2
    ok = np.abs(det) > 1e-12 * np.maximum(s11 * s22, 1e-300)
    c = np.where(ok, (s11 * b2 - s12 * b1) / np.where(ok, det, 1.0), 0.0)
    c = np.clip(c, 0.0, 0.99)
    l0 = (b1 - c * s12) / np.maximum(s11, 1e-300)
    resid = target - l0[:, None] * x1 - c[:, None] * x2
    sse = (resid * resid).sum(1)
    sse = np.where(np.isfinite(sse), sse, np.inf)
    k = int(np.argmin(sse))
    if not np.isfinite(sse[k]):
        return None
    alpha = float(ALPHAS[k])
    level = float(smoothed[k, -1] + (1 - alpha) ** n * l0[k])
    residuals = np.concatenate([np.zeros(BURN_IN), resid[k]])
    return DynamicThetaFit(
        alpha=alpha,
        c=float(c[k]),
        level=level,
        mean=float(mean[-1]),
        intercept=float(intercept[-1]),
        slope=float(slope[-1]),
        n=n,
        residuals=residuals,
        sse=float(sse[k]),
    )
