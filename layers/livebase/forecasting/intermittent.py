"""Intermittent demand: Croston, SBA and TSB, and the classification that routes a series here.

Why separate: on SKU days with many zeros, smoothing the raw series chases the last sale;
Croston-type methods forecast the mean demand rate instead (size / interval, or probability x
size for TSB, which also decays towards zero when an item stops selling).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livebase.forecasting.smoothing import FloatArray

# Syntetos-Boylan-Croston cut-offs (Syntetos, Boylan & Croston 2005).
ADI_CUTOFF = 4 / 3
CV2_CUTOFF = 0.5
_GRID = np.array([0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5])


@dataclass(frozen=True)
class DemandPattern:
    """ADI (mean interval between demands) and CV^2 of the non-zero sizes."""

    adi: float
    cv2: float

    @property
    def category(self) -> str:
        if self.adi > ADI_CUTOFF:
            return "lumpy" if self.cv2 > CV2_CUTOFF else "intermittent"
        return "erratic" if self.cv2 > CV2_CUTOFF else "smooth"

    @property
    def is_intermittent(self) -> bool:
        return self.adi > ADI_CUTOFF


def classify(y: FloatArray) -> DemandPattern:
    """Classify a non-negative series; a series with no demand at all has ADI = inf."""
    sizes = y[y > 0]
    if sizes.size == 0:
        return DemandPattern(adi=float("inf"), cv2=0.0)
    adi = y.size / sizes.size
    cv2 = float(np.var(sizes) / np.mean(sizes) ** 2) if sizes.size > 1 else 0.0
    return DemandPattern(adi=float(adi), cv2=cv2)


@dataclass(frozen=True)
class IntermittentFit:
    """Per-period demand rate and the in-sample one-step errors it was chosen on."""

    method: str
    alpha: float
    beta: float
    rate: float
    residuals: FloatArray

    def forecast(self, horizon: int) -> FloatArray:
        return np.full(horizon, self.rate)


def _croston_path(y: FloatArray, alpha: FloatArray, debias: FloatArray) -> tuple[FloatArray, FloatArray]:
    """One-step forecasts (n, K) of Croston/SBA for K smoothing constants, and final rates."""
    nonzero = np.flatnonzero(y > 0)
    first = nonzero[0]
    size = np.full(alpha.size, y[first])
    interval = np.full(alpha.size, float(first + 1))
    since = 0
    fitted = np.full((y.size, alpha.size), np.nan)
    for t in range(first + 1, y.size):
        fitted[t] = debias * size / interval
        since += 1
        if y[t] > 0:
            size = size + alpha * (y[t] - size)
            interval = interval + alpha * (since - interval)
            since = 0
    return fitted, debias * size / interval


def _tsb_path(y: FloatArray, alpha: FloatArray, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """One-step forecasts of TSB (Teunter, Syntetos & Babai 2011) and final rates."""
    nonzero = np.flatnonzero(y > 0)
    size = np.full(alpha.size, y[nonzero[0]])
    prob = np.full(alpha.size, nonzero.size / y.size)
    fitted = np.empty((y.size, alpha.size))
    for t, value in enumerate(y):
        fitted[t] = prob * size
        occurred = value > 0
        prob = prob + beta * (float(occurred) - prob)
        if occurred:
            size = size + alpha * (value - size)
    return fitted, prob * size


def fit_intermittent(y: FloatArray, method: str) -> IntermittentFit:
    """Fit `croston`, `sba` or `tsb`, choosing smoothing constants by in-sample one-step MSE."""
    if not np.any(y > 0):
        return IntermittentFit(method, 0.0, 0.0, 0.0, residuals=y.copy())
    if method in ("croston", "sba"):
        alpha = _GRID
        beta = np.zeros(alpha.size)
        fitted, rates = _croston_path(y, alpha, np.where(method == "sba", 1 - alpha / 2, 1.0))
    elif method == "tsb":
        a, b = np.meshgrid(_GRID, _GRID, indexing="ij")
        alpha, beta = a.ravel(), b.ravel()
        fitted, rates = _tsb_path(y, alpha, beta)
    else:
        raise ValueError(f"unknown intermittent method {method!r}")
    errors = y[:, None] - fitted
    mse = np.nanmean(errors**2, axis=0) if np.isfinite(fitted).any() else np.zeros(alpha.size)
    best = int(np.nanargmin(mse)) if np.isfinite(mse).any() else 0
    residuals = errors[:, best]
    return IntermittentFit(
        method=method,
        alpha=float(alpha[best]),
        beta=float(beta[best]),
        rate=float(rates[best]),
        residuals=residuals[np.isfinite(residuals)],
    )
