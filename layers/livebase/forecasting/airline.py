"""The airline model, ARIMA(0,1,1)(0,1,1)_m, fitted by conditional least squares on a grid.

Why: classical decomposition assumes a fixed seasonal pattern; the airline model lets level,
trend and season evolve (Box & Jenkins' model for monthly data), which makes it a useful,
different member for the combination. On strictly positive data it runs on logs, so the
seasonality is multiplicative. The two MA parameters are profiled on a vectorised grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livebase.forecasting.smoothing import FloatArray

THETAS = np.array([-0.4, -0.2, 0.0, 0.15, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
SEASONAL_THETAS = np.array([-0.2, 0.0, 0.2, 0.35, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])


@dataclass(frozen=True)
class AirlineFit:
    """MA parameters, the transformed history, its innovations and variance."""

    theta: float
    seasonal_theta: float
    m: int
    log: bool
    z: FloatArray  # the (possibly logged) history
    innovations: FloatArray  # aligned with z (zeros before the first computable one)
    sigma2: float

    def _z_forecast(self, horizon: int) -> FloatArray:
        m, n = self.m, self.z.size
        z = np.concatenate([self.z, np.zeros(horizon)])
        e = np.concatenate([self.innovations, np.zeros(horizon)])
        th, big = self.theta, self.seasonal_theta
        for t in range(n, n + horizon):
            w = -th * e[t - 1] - big * e[t - m] + th * big * e[t - m - 1]
            z[t] = z[t - 1] + z[t - m] - z[t - m - 1] + w
        return z[n:]

    def _psi(self, horizon: int) -> FloatArray:
        """Impulse response of the integrated model (psi weights)."""
        m = self.m
        size = horizon + m + 1
        e = np.zeros(size)
        e[m + 1] = 1.0
        z = np.zeros(size)
        th, big = self.theta, self.seasonal_theta
        for t in range(m + 1, size):
            w = e[t] - th * e[t - 1] - big * e[t - m] + th * big * e[t - m - 1]
            z[t] = z[t - 1] + z[t - m] - z[t - m - 1] + w
        return z[m + 1 :]

    def forecast(self, horizon: int) -> tuple[FloatArray, FloatArray]:
        """Mean (median on the log scale, back-transformed) and h-step error std."""
        zf = self._z_forecast(horizon)
        sd = np.sqrt(self.sigma2 * np.cumsum(self._psi(horizon) ** 2))
        if self.log:
            mean = np.exp(zf)
            return mean, mean * sd  # delta method
        return zf, sd


def fit_airline(y: FloatArray, m: int) -> AirlineFit | None:
    """CSS fit over the (theta, Theta) grid; None when fewer than 2 seasons + 6 points."""
    if m < 2 or y.size < 2 * m + 6:
        return None
    log = bool(np.all(y > 0))
    z = np.log(y) if log else y.astype(float)
    w = z[m + 1 :] - z[m:-1] - z[1 : z.size - m] + z[: z.size - m - 1]
    th, big = (g.ravel() for g in np.meshgrid(THETAS, SEASONAL_THETAS, indexing="ij"))
    errors = np.zeros((w.size + m + 1, th.size))
    for t in range(w.size):
        k = t + m + 1
        errors[k] = w[t] + th * errors[k - 1] + big * errors[k - m] - th * big * errors[k - m - 1]
    sse = np.sum(errors**2, axis=0)
    best = int(np.argmin(sse))
    innovations = np.concatenate([np.zeros(z.size - w.size), errors[m + 1 :, best]])
    return AirlineFit(
        theta=float(th[best]),
        seasonal_theta=float(big[best]),
        m=m,
        log=log,
        z=z,
        innovations=innovations,
        sigma2=float(sse[best]) / max(w.size - 2, 1),
    )
