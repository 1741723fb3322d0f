"""ARIMA(p,1,0) with optional drift, fitted by least squares, orders chosen by AICc.

Why this narrow ARIMA: statsmodels' SARIMAX searches are 100+ ms per series; an AR model on the
first differences is a closed-form OLS fit (microseconds), brings a different inductive bias
from the smoothing family into the combination, and matches the orders automatic ARIMA most
often picks on deseasonalised monthly data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livebase.forecasting.smoothing import FloatArray

MAX_P = 3


@dataclass(frozen=True)
class ArimaFit:
    """AR coefficients on the differences, drift, and the one-step residual variance."""

    p: int
    drift: float
    coefficients: FloatArray
    sigma2: float
    aicc: float
    history: FloatArray
    residuals: FloatArray

    def forecast(self, horizon: int) -> FloatArray:
        diffs = list(np.diff(self.history)[-self.p :]) if self.p else []
        out = np.empty(horizon)
        level = self.history[-1]
        for h in range(horizon):
            step = self.drift + sum(self.coefficients[i] * diffs[-1 - i] for i in range(self.p))
            diffs.append(step)
            level += step
            out[h] = level
        return out

    def sigma(self, horizon: int) -> FloatArray:
        """h-step error std from the psi weights of the integrated AR process."""
        psi_diff = np.zeros(horizon)
        psi_diff[0] = 1.0
        for j in range(1, horizon):
            psi_diff[j] = sum(self.coefficients[i] * psi_diff[j - 1 - i] for i in range(min(self.p, j)))
        psi = np.cumsum(psi_diff)
        return np.sqrt(self.sigma2 * np.cumsum(psi**2))


def _ols(design: FloatArray, target: FloatArray) -> tuple[FloatArray, float]:
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    resid = target - design @ coef
    return np.asarray(coef, dtype=np.float64), float(resid @ resid)


def _stationary(ar: FloatArray) -> bool:
    """All roots of 1 - a1 z - ... - ap z^p outside the unit circle (with a small margin)."""
    if ar.size == 0:
        return True
    roots = np.roots(np.concatenate([-ar[::-1], [1.0]]))
    return bool(np.all(np.abs(roots) > 1.01))


def fit_arima(y: FloatArray) -> ArimaFit | None:
    """Best ARIMA(p,1,0)[+drift], p <= 3, by AICc on a common sample; None if too short."""
    d = np.diff(y)
    usable = d.size - MAX_P
    if usable < 6:
        return None
    target = d[MAX_P:]
    best: ArimaFit | None = None
    for p in range(MAX_P + 1):
        lags = [d[MAX_P - i - 1 : d.size - i - 1] for i in range(p)]
        for drift in (False, True):
            columns = lags + ([np.ones(usable)] if drift else [])
            if columns:
                coef, sse = _ols(np.column_stack(columns), target)
            else:
                coef, sse = np.zeros(0), float(target @ target)
            k = p + int(drift) + 1
            if usable - k - 1 <= 0 or not _stationary(coef[:p]):
                continue
            aicc = usable * np.log(max(sse, 1e-300) / usable) + 2 * k + 2 * k * (k + 1) / (usable - k - 1)
            if best is None or aicc < best.aicc:
                ar = coef[:p]
                fitted = np.column_stack(columns) @ coef if columns else np.zeros(usable)
                best = ArimaFit(
                    p=p,
                    drift=float(coef[p]) if drift else 0.0,
                    coefficients=ar,
                    sigma2=sse / max(usable - k + 1, 1),
                    aicc=float(aicc),
                    history=y,
                    residuals=np.concatenate([np.zeros(y.size - usable), target - fitted]),
                )
    return best
