"""Seasonal ARIMA(p,0,0)(P,1,0)_m with drift, by least squares, orders chosen by AICc.

Why: the airline model is one fixed seasonal ARIMA; the automatic ARIMA in the reference
average mostly picks a seasonal difference plus a few autoregressive terms and a drift. On the
seasonal differences those are an ordinary regression (closed-form OLS, microseconds), which
brings the ARIMA family's inductive bias to the combination without an order search over MA
terms. On strictly positive data it runs on logs (growth and season in proportion).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livebase.forecasting.smoothing import FloatArray

MAX_P = 3


@dataclass(frozen=True)
class SeasonalArimaFit:
    """AR coefficients on lags 1..m of the seasonal differences w, the constant, the history."""

    ar: FloatArray  # ar[i] multiplies w[t-1-i]; length m when a seasonal AR term is present
    constant: float
    m: int
    z: FloatArray
    sigma2: float
    aicc: float
    residuals: FloatArray  # aligned with z, zeros where not computable

    def forecast(self, horizon: int) -> FloatArray:
        m, n = self.m, self.z.size
        z = np.concatenate([self.z, np.zeros(horizon)])
        w = np.concatenate([np.zeros(m), self.z[m:] - self.z[:-m], np.zeros(horizon)])  # w[t] at index t
        for t in range(n, n + horizon):
            w[t] = self.constant + sum(self.ar[i] * w[t - 1 - i] for i in range(self.ar.size))
            z[t] = z[t - m] + w[t]
        return z[n:]

    def sigma(self, horizon: int) -> FloatArray:
        """h-step error std from the impulse response of the seasonally integrated AR model."""
        m = self.m
        w = np.zeros(horizon)
        z = np.zeros(horizon)
        for t in range(horizon):
            w[t] = (1.0 if t == 0 else 0.0) + sum(self.ar[i] * w[t - 1 - i] for i in range(min(self.ar.size, t)))
            z[t] = w[t] + (z[t - m] if t >= m else 0.0)
        return np.sqrt(self.sigma2 * np.cumsum(z**2))


def _stationary(ar: FloatArray) -> bool:
    """All roots of 1 - a1 B - ... - ak B^k outside the unit circle (with a small margin)."""
    if ar.size == 0 or not np.any(ar):
        return True
    roots = np.roots(np.concatenate([-ar[::-1], [1.0]]))
    return bool(np.all(np.abs(roots) > 1.01))


def fit_seasonal_arima(z: FloatArray, m: int) -> SeasonalArimaFit | None:
    """Best (p <= 3, seasonal AR 0/1, drift or not) by AICc on a common sample; None if too short."""
    if m < 2 or z.size < 3 * m + 6:
        return None
    w = z[m:] - z[:-m]
    start = m  # the seasonal AR lag needs m earlier values of w
    target = w[start:]
    usable = target.size
    best: SeasonalArimaFit | None = None
    for p in range(MAX_P + 1):
        for seasonal in (False, True):
            for drift in (False, True):
                lags = list(range(1, p + 1)) + ([m] if seasonal else [])
                columns = [w[start - lag : w.size - lag] for lag in lags] + ([np.ones(usable)] if drift else [])
                if columns:
                    design = np.column_stack(columns)
                    coef = np.linalg.lstsq(design, target, rcond=None)[0]
                    fitted = design @ coef
                else:
                    coef, fitted = np.zeros(0), np.zeros(usable)
                resid = target - fitted
                sse = float(resid @ resid)
                k = len(columns) + 1
                if usable - k - 1 <= 0:
                    continue
                aicc = usable * np.log(max(sse, 1e-300) / usable) + 2 * k + 2 * k * (k + 1) / (usable - k - 1)
                ar = np.zeros(max(lags) if lags else 0)
                for lag, value in zip(lags, coef[: len(lags)], strict=True):
                    ar[lag - 1] = value
                if (best is not None and aicc >= best.aicc) or not _stationary(ar):
                    continue
                best = SeasonalArimaFit(
                    ar=ar,
                    constant=float(coef[-1]) if drift else 0.0,
                    m=m,
                    z=z,
                    sigma2=sse / max(usable - k + 1, 1),
                    aicc=float(aicc),
                    residuals=np.concatenate([np.zeros(z.size - usable), resid]),
                )
    return best
