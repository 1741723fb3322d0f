"""What a forecast returns, and the input checks every entry point shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from livebase.forecasting.smoothing import FloatArray

DEFAULT_LEVEL = 0.95


class ForecastInputError(ValueError):
    """The history or regressors cannot be forecast as given; the message says why."""


@dataclass(frozen=True)
class ForecastResult:
    """Point forecast and a central prediction interval per horizon step.

    `sigma[h-1]` is the standard deviation of the h-step-ahead forecast error and
    `residual_std` / `mae_one_step` describe the in-sample one-step errors: the inputs safety
    stock needs. Demand forecasts are clipped at zero (mean and bounds).
    """

    mean: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float
    model: str
    sigma: FloatArray
    residual_std: float
    mae_one_step: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def horizon(self) -> int:
        return int(self.mean.size)

    def cumulative_sigma(self, steps: int) -> float:
        """Std of the error of demand summed over the first `steps` steps (a lead time).

        Treats the step errors as independent. Errors of smoothing models are positively
        correlated across steps, so for long lead times this understates the risk; the
        per-step `sigma` already grows with the horizon, which partly compensates.
        """
        return float(np.sqrt(np.sum(self.sigma[:steps] ** 2)))


def z_value(level: float) -> float:
    if not 0 < level < 1:
        raise ForecastInputError(f"interval level must be in (0, 1), got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def make_result(
    mean: FloatArray,
    sigma: FloatArray,
    level: float,
    model: str,
    residuals: FloatArray,
    details: dict[str, Any] | None = None,
) -> ForecastResult:
    """Normal intervals mean +- z sigma, everything clipped at zero (demand is never negative)."""
    z = z_value(level)
    mean = np.maximum(np.asarray(mean, dtype=float), 0.0)
    sigma = np.asarray(sigma, dtype=float)
    finite = residuals[np.isfinite(residuals)]
    return ForecastResult(
        mean=mean,
        lower=np.maximum(mean - z * sigma, 0.0),
        upper=np.maximum(mean + z * sigma, 0.0),
        level=level,
        model=model,
        sigma=sigma,
        residual_std=float(np.sqrt(np.mean(finite**2))) if finite.size else 0.0,
        mae_one_step=float(np.mean(np.abs(finite))) if finite.size else 0.0,
        details=details or {},
    )


def as_history(history: Any) -> FloatArray:
    """A 1-D float array of non-negative, finite values, or a clear error."""
    try:
        y = np.asarray(history, dtype=float)
    except (TypeError, ValueError) as error:
        raise ForecastInputError(f"history must be an array-like of numbers: {error}") from None
    if y.ndim != 1:
        raise ForecastInputError(f"history must be one-dimensional, got shape {y.shape}")
    if y.size == 0:
        raise ForecastInputError("history is empty")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ForecastInputError(
            f"history has {bad.size} missing or infinite value(s), first at position {bad[0]}; "
            "fill gaps explicitly (e.g. 0 for days without sales) before forecasting"
        )
    negative = np.flatnonzero(y < 0)
    if negative.size:
        raise ForecastInputError(
            f"history has {negative.size} negative value(s), first {y[negative[0]]} at position "
            f"{negative[0]}; demand cannot be negative (net returns out before forecasting)"
        )
    return y


def as_exog(exog: Any, rows: int, name: str, columns: list[str] | None = None) -> tuple[FloatArray, list[str]]:
    """Regressors as a (rows, k) float matrix with finite values, and their column names."""
    if isinstance(exog, pd.DataFrame):
        names = [str(c) for c in exog.columns]
        matrix = exog.to_numpy(dtype=float)
    else:
        matrix = np.asarray(exog, dtype=float)
        if matrix.ndim == 1:
            matrix = matrix[:, None]
        names = [f"x{i}" for i in range(matrix.shape[1])] if matrix.ndim == 2 else []
    if matrix.ndim != 2 or matrix.shape[0] != rows:
        raise ForecastInputError(f"{name} must have {rows} rows (one per step), got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ForecastInputError(f"{name} has missing or infinite values")
    if columns is not None and len(names) != len(columns):
        raise ForecastInputError(f"{name} has {len(names)} columns, exog has {len(columns)}")
    if columns is not None and isinstance(exog, pd.DataFrame) and names != columns:
        raise ForecastInputError(f"{name} columns {names} differ from exog columns {columns}")
    return matrix, names
