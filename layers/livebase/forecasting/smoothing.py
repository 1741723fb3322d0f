"""Exponential smoothing (ETS(A,N,N), ETS(A,A,N), ETS(A,Ad,N)) fitted on a vectorised grid.

Why not statsmodels' ETSModel: it optimises each configuration with a general-purpose optimiser
(~40 ms each on a monthly series here). The one-step errors of an additive-error ETS model are
linear in its initial states, so one pass over the series evaluates every (alpha, beta, phi) grid
point at once and the initial level/trend are solved exactly by least squares for each point.
That is the maximum-likelihood fit on the grid, in about a millisecond per model family.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Grids follow the usual admissible region (0 < beta <= alpha < 1, 0.8 <= phi <= 0.98, as in
# R's forecast::ets), denser where optimised values of real series tend to fall.
ALPHAS = np.array([0.02, 0.05, 0.08, 0.12, 0.16, 0.2, 0.25, 0.3, 0.36, 0.43, 0.5, 0.6, 0.7, 0.8, 0.9, 0.98])
BETA_FRACTIONS = np.array([0.01, 0.03, 0.07, 0.15, 0.3, 0.5, 0.8])
PHIS = np.array([0.8, 0.85, 0.9, 0.94, 0.97, 0.98])


@dataclass(frozen=True)
class SmoothingFit:
    """A fitted additive-error exponential smoothing model and its final states."""

    kind: str  # "ses", "holt" or "damped"
    alpha: float
    beta: float
    phi: float
    level: float
    trend: float
    sse: float
    n: int
    residuals: FloatArray

    @property
    def n_params(self) -> int:
        """Smoothing parameters + initial states + the error variance (R forecast's count)."""
        return {"ses": 3, "holt": 5, "damped": 6}[self.kind]

    @property
    def sigma2(self) -> float:
        return self.sse / max(self.n - self.n_params + 1, 1)

    @property
    def aicc(self) -> float:
        return self.aicc_with(0)

    def aicc_with(self, extra_params: int) -> float:
        """AICc counting `extra_params` more (e.g. seasonal indices estimated beforehand)."""
        k, n = self.n_params + extra_params, self.n
        loglik_term = n * np.log(max(self.sse, 1e-300) / n)
        penalty = 2 * k + (2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf)
        return float(loglik_term + penalty)

    def forecast(self, horizon: int) -> FloatArray:
        steps = np.arange(1, horizon + 1)
        if self.kind == "ses":
            return np.full(horizon, self.level)
        return self.level + self.trend * _damped_sum(self.phi, steps)

    def variance_multipliers(self, horizon: int) -> FloatArray:
        """h-step forecast variance / one-step variance (Hyndman et al. 2008, class 1)."""
        j = np.arange(1, horizon)
        trend_part = 0.0 if self.kind == "ses" else self.beta * _damped_sum(self.phi, j)
        c = self.alpha + trend_part + np.zeros(j.size)
        return np.concatenate([[1.0], 1.0 + np.cumsum(c**2)])


def _damped_sum(phi: float, steps: NDArray[np.int_]) -> FloatArray:
    """phi + phi^2 + ... + phi^h for each h (h itself when phi == 1)."""
    if phi >= 1.0:
        return steps.astype(float)
    return np.asarray(phi * (1 - phi**steps) / (1 - phi), dtype=np.float64)


def _grid(kind: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    if kind == "ses":
        return ALPHAS.copy(), np.zeros(ALPHAS.size), np.zeros(ALPHAS.size)
    phis = np.array([1.0]) if kind == "holt" else PHIS
    a, f, p = np.meshgrid(ALPHAS, BETA_FRACTIONS, phis, indexing="ij")
    return a.ravel(), (a * f).ravel(), p.ravel()


def _profiled_sse(
    y: FloatArray, alpha: FloatArray, beta: FloatArray, phi: FloatArray, trend: bool
) -> tuple[FloatArray, FloatArray]:
    """SSE of one-step errors per grid point with the initial states solved exactly.

    Row 0 runs the data from zero initial states; rows 1 (and 2) run zero data from a unit
    initial level (and trend). By linearity the errors for initial states x are E0 + x @ E[1:].
    """
    rows = 3 if trend else 2
    level = np.zeros((rows, alpha.size))
    slope = np.zeros((rows, alpha.size))
    level[1] = 1.0
    if trend:
        slope[2] = 1.0
    errors = np.empty((y.size, rows, alpha.size))
    for t, value in enumerate(y):
        predicted = level + phi * slope if trend else level
        err = -predicted
        err[0] += value
        errors[t] = err
        level = predicted + alpha * err
        if trend:
            slope = phi * slope + beta * err
    gram = np.einsum("tik,tjk->ijk", errors, errors)
    if not trend:
        x0 = -gram[0, 1] / np.maximum(gram[1, 1], 1e-300)
        sse = gram[0, 0] + gram[0, 1] * x0
        return sse, np.stack([x0])
    a11, a12, a22 = gram[1, 1], gram[1, 2], gram[2, 2]
    c1, c2 = gram[0, 1], gram[0, 2]
    det = a11 * a22 - a12**2
    det = np.where(np.abs(det) < 1e-12 * np.maximum(a11 * a22, 1e-300), np.nan, det)
    x0 = -(a22 * c1 - a12 * c2) / det
    x1 = -(a11 * c2 - a12 * c1) / det
    sse = gram[0, 0] + c1 * x0 + c2 * x1
    return np.where(np.isfinite(sse), sse, np.inf), np.stack([x0, x1])


def _run(y: FloatArray, alpha: float, beta: float, phi: float, l0: float, b0: float) -> tuple[float, float, FloatArray]:
    level, slope = l0, b0
    residuals = np.empty(y.size)
    for t, value in enumerate(y):
        predicted = level + phi * slope
        err = value - predicted
        residuals[t] = err
        level = predicted + alpha * err
        slope = phi * slope + beta * err
    return level, slope, residuals


def fit_smoothing(y: FloatArray, kind: str) -> SmoothingFit:
    """Least-squares (= Gaussian maximum-likelihood) fit of one model family over its grid."""
    if kind not in ("ses", "holt", "damped"):
        raise ValueError(f"unknown smoothing kind {kind!r}")
    alpha, beta, phi = _grid(kind)
    trend = kind != "ses"
    sse, initial = _profiled_sse(y, alpha, beta, phi, trend)
    best = int(np.argmin(sse))
    a, b, p = float(alpha[best]), float(beta[best]), float(phi[best])
    l0 = float(initial[0, best])
    b0 = float(initial[1, best]) if trend else 0.0
    level, slope, residuals = _run(y, a, b, p if trend else 0.0, l0, b0)
    return SmoothingFit(
        kind=kind,
        alpha=a,
        beta=b,
        phi=p if trend else 0.0,
        level=level,
        trend=slope,
        sse=float(residuals @ residuals),
        n=y.size,
        residuals=residuals,
    )
