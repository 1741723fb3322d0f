"""Dynamic optimised Theta on an STL seasonal adjustment: the pool's seasonality that evolves.

Why: the pool's other Theta members remove one fixed seasonal pattern (classical decomposition,
per-phase medians over the whole history). Over many seasons a pattern drifts (a holiday month
that grows, a shoulder season that fades), and one fixed pattern is then out of date at the
forecast origin. STL (Cleveland et al. 1990) smooths each phase's values over a window of
seasons, so the pattern follows the drift; the forecast re-adds the last cycle of it, as R's
`stlf` does (Hyndman & Athanasopoulos, FPP). Only seasonal series get this member: elsewhere it
would be another vote for a model already in the pool (DECISIONS.md, round 9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.tsa.seasonal import STL

from livebase.forecasting.dynamic_theta import DynamicThetaFit, fit_dynamic_theta
from livebase.forecasting.seasonality import is_seasonal
from livebase.forecasting.smoothing import FloatArray

SEASONAL_WINDOW = 13  # seasons in each phase's loess window; 7 and 21 measured (DECISIONS.md, round 9)


@dataclass(frozen=True)
class StlThetaFit:
    """The Theta fit on the adjusted series, and the seasonal component it was adjusted by."""

    theta: DynamicThetaFit
    seasonal: FloatArray  # STL's seasonal component over the history
    season_length: int

    @property
    def residuals(self) -> FloatArray:
        return self.theta.residuals

    def forecast(self, horizon: int) -> FloatArray:
        """The adjusted forecast plus the last cycle of the seasonal component, phase-aligned."""
        m = self.season_length
        last_cycle = self.seasonal[-m:]
        return self.theta.forecast(horizon) + last_cycle[np.arange(horizon) % m]

    def sigma(self, horizon: int) -> FloatArray:
        return self.theta.sigma(horizon)


def fit_stl_theta(z: FloatArray, season_length: int) -> StlThetaFit | None:
    """None unless z has more than two seasons and the seasonality test says seasonal.

    Not robust STL (as `stlf`'s default): the robust form was worse on the development sets."""
    m = season_length
    if m < 2 or z.size < 2 * m + 1 or not is_seasonal(z, m):
        return None
    seasonal = np.asarray(STL(z, period=m, seasonal=SEASONAL_WINDOW, robust=False).fit().seasonal, dtype=float)
    theta = fit_dynamic_theta(z - seasonal)
    return None if theta is None else StlThetaFit(theta=theta, seasonal=seasonal, season_length=m)
