"""The standard Theta method (Assimakopoulos & Nikolopoulos 2000) as SES with drift.

Hyndman & Billah (2003) showed it equals SES plus half the slope of a linear trend; with the
SES fit from :mod:`smoothing` it costs one grid pass and an OLS slope.
"""

from __future__ import annotations

import numpy as np

from livebase.forecasting.smoothing import FloatArray, SmoothingFit, fit_smoothing


def theta_forecast(y: FloatArray, horizon: int, ses: SmoothingFit | None = None) -> FloatArray:
    """Theta(2) forecast of a (deseasonalised) series."""
    fit = ses or fit_smoothing(y, "ses")
    n = y.size
    t = np.arange(n, dtype=float)
    slope = float(np.polyfit(t, y, 1)[0]) if n > 1 else 0.0
    a = fit.alpha
    h = np.arange(1, horizon + 1, dtype=float)
    drift = 0.5 * slope * (h - 1 + 1 / a - (1 - a) ** n / a)
    return fit.forecast(horizon) + drift
