"""Daily demand and its uncertainty per SKU x market: what the replenishment policy plans against.

Two sources give the same :class:`DemandEstimate`: the forecasting capability's result
(``livebase.forecasting``: ``.mean`` / ``.lower`` / ``.upper`` per day over the horizon), or,
until a SKU has a forecast, a trailing mean of recent sales. The policy never knows which.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Protocol


class ForecastLike(Protocol):
    """What the policy needs of a forecast: per-day mean and a prediction interval."""

    @property
    def mean(self) -> Any: ...

    @property
    def lower(self) -> Any: ...

    @property
    def upper(self) -> Any: ...


@dataclass(frozen=True)
class DemandEstimate:
    """Expected units per day and the standard deviation of one day's demand around it."""

    mean: float
    sigma: float
    source: str  # "forecast:<model>" or "trailing-mean:<days>d"

    def __post_init__(self) -> None:
        if self.mean < 0 or self.sigma < 0 or not (math.isfinite(self.mean) and math.isfinite(self.sigma)):
            raise ValueError(f"demand must be finite and non-negative, got mean={self.mean} sigma={self.sigma}")

    def scaled(self, factor: float, source: str) -> DemandEstimate:
        return DemandEstimate(self.mean * factor, self.sigma * factor, source)


def trailing_mean(history: Sequence[float], window: int = 28) -> DemandEstimate:
    """Fallback until a forecast exists: mean and spread of the last ``window`` days of sales.

    The spread is the sample standard deviation of daily sales, which for intermittent and
    bursty live-commerce demand is the honest one-day error of a flat forecast.
    """
    if window < 2:
        raise ValueError("window must be at least 2 days")
    recent = [max(float(x), 0.0) for x in history[-window:]]
    if not recent:
        return DemandEstimate(0.0, 0.0, "trailing-mean:0d")
    mean = sum(recent) / len(recent)
    if len(recent) < 2:
        return DemandEstimate(mean, mean, f"trailing-mean:{len(recent)}d")  # Poisson-like guess
    variance = sum((x - mean) ** 2 for x in recent) / (len(recent) - 1)
    return DemandEstimate(mean, math.sqrt(variance), f"trailing-mean:{len(recent)}d")


def from_forecast(
    result: ForecastLike, days: int, interval_level: float | None = None, model: str | None = None
) -> DemandEstimate:
    """Mean over the first ``days`` of the horizon; sigma per day from the forecast's own spread.

    ``livebase.forecasting.ForecastResult`` carries ``sigma`` per step and is used as is.
    Otherwise sigma is read off the interval: a central interval of coverage ``level`` puts the
    upper bound z sigma above the mean, z = Phi^-1((1 + level) / 2). The upper half is used
    because demand intervals are clipped at zero below. Days combine as a root mean square.
    """
    level = float(interval_level if interval_level is not None else getattr(result, "level", 0.8))
    if not 0 < level < 1:
        raise ValueError(f"interval level is a coverage fraction such as 0.8, got {level}")
    mean = [max(float(x), 0.0) for x in list(result.mean)[:days]]
    given = getattr(result, "sigma", None)
    if given is not None:
        sigmas = [max(float(x), 0.0) for x in list(given)[:days]]
    else:
        z = NormalDist().inv_cdf((1 + level) / 2)
        sigmas = [max(float(u) - m, 0.0) / z for u, m in zip(list(result.upper)[:days], mean, strict=False)]
    if not mean or len(sigmas) != len(mean):
        raise ValueError(f"forecast must cover {days} day(s) with a mean and a spread")
    name = model or str(getattr(result, "model", "forecast"))
    rms = math.sqrt(sum(s * s for s in sigmas) / len(sigmas))
    return DemandEstimate(sum(mean) / len(mean), rms, f"forecast:{name}")


def sales_to_forecast_ratio(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    """Recent sales over what was forecast for the same days (None when nothing was expected)."""
    expected = sum(max(float(x), 0.0) for x in forecast)
    if expected <= 0 or not actual:
        return None
    return sum(max(float(x), 0.0) for x in actual) / expected
