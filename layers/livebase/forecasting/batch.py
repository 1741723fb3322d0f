"""Batch form: many series in one long frame (id, ds, y) -> one long frame of forecasts.

Gaps: a date missing between a series' first and last row means no sale was recorded, so it is
filled with `fill_missing` (0 by default; None makes a gap an error). A row that is present
with a NaN or negative y is an error: it says "unknown", not "zero".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from livebase.forecasting.api import Selection, forecast
from livebase.forecasting.exogenous import CANDIDATES
from livebase.forecasting.result import DEFAULT_LEVEL, ForecastInputError

OUTPUT_COLUMNS = ["id", "ds", "step", "mean", "lower", "upper", "sigma", "model", "residual_std", "error"]


def _complete(series: pd.DataFrame, freq: str, fill_missing: float | None, key: Any) -> pd.DataFrame:
    series = series.sort_values("ds")
    if series["ds"].duplicated().any():
        raise ForecastInputError(f"series {key!r}: duplicate ds values")
    full = pd.date_range(series["ds"].iloc[0], series["ds"].iloc[-1], freq=freq)
    if len(full) == len(series):
        return series.reset_index(drop=True)
    if fill_missing is None:
        raise ForecastInputError(f"series {key!r}: {len(full) - len(series)} missing {freq} step(s)")
    out = series.set_index("ds").reindex(full)
    out["y"] = out["y"].fillna(fill_missing)
    out = out.fillna(0.0)  # regressors on days without a record: no promotion, no session
    return out.rename_axis("ds").reset_index()


def forecast_batch(
    frame: pd.DataFrame,
    horizon: int,
    season_length: int,
    *,
    freq: str = "D",
    exog_columns: Sequence[str] = (),
    future_exog: pd.DataFrame | None = None,
    level: float = DEFAULT_LEVEL,
    fill_missing: float | None = 0.0,
    selection: Selection = "combine",
    errors: Literal["raise", "report"] = "raise",
    exog_models: Sequence[str] = CANDIDATES,
) -> pd.DataFrame:
    """Forecast every `id` in `frame` (columns id, ds, y, and any `exog_columns`).

    `future_exog` (id, ds, exog_columns) gives the regressors for the `horizon` steps after
    each series' last date. With errors="report", a series that cannot be forecast yields one
    row carrying the reason in `error` instead of failing the batch.
    """
    missing = {"id", "ds", "y", *exog_columns} - set(frame.columns)
    if missing:
        raise ForecastInputError(f"frame lacks column(s) {sorted(missing)}")
    if exog_columns and future_exog is None:
        raise ForecastInputError("exog_columns given without future_exog")
    data = frame.assign(ds=pd.to_datetime(frame["ds"]))
    futures = (
        dict(tuple(future_exog.assign(ds=pd.to_datetime(future_exog["ds"])).groupby("id", sort=False)))
        if future_exog is not None
        else {}
    )
    pieces: list[pd.DataFrame] = []
    failed: list[dict[str, Any]] = []
    for key, group in data.groupby("id", sort=False):
        try:
            pieces.append(
                _one(
                    exog_models,
                    key,
                    group,
                    horizon,
                    season_length,
                    freq,
                    list(exog_columns),
                    futures,
                    level,
                    fill_missing,
                    selection,
                )
            )
        except (ForecastInputError, ValueError) as error:
            if errors == "raise":
                raise ForecastInputError(f"series {key!r}: {error}") from error
            failed.append({"id": key, "error": str(error)})
    out = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=OUTPUT_COLUMNS)
    if failed:
        # Appended by position so the all-NaN forecast columns keep their dtypes.
        for row in failed:
            out.loc[len(out), ["id", "error"]] = [row["id"], row["error"]]
    return out[OUTPUT_COLUMNS]


def _one(
    exog_models: Sequence[str],
    key: Any,
    group: pd.DataFrame,
    horizon: int,
    season_length: int,
    freq: str,
    exog_columns: list[str],
    futures: dict[Any, pd.DataFrame],
    level: float,
    fill_missing: float | None,
    selection: Selection,
) -> pd.DataFrame:
    series = _complete(group[["ds", "y", *exog_columns]], freq, fill_missing, key)
    dates = pd.date_range(series["ds"].iloc[-1], periods=horizon + 1, freq=freq)[1:]
    exog = future = None
    if exog_columns:
        given = futures.get(key)
        if given is None:
            raise ForecastInputError("no future_exog rows")
        future = given.set_index("ds").reindex(dates)[exog_columns]
        if future.isna().any().any():
            raise ForecastInputError(f"future_exog does not cover the {horizon} steps from {dates[0].date()}")
        exog = series[exog_columns]
    result = forecast(
        series["y"].to_numpy(dtype=float),
        horizon,
        season_length,
        exog,
        future,
        level=level,
        selection=selection,
        exog_models=exog_models,
    )
    return pd.DataFrame(
        {
            "id": key,
            "ds": dates,
            "step": np.arange(1, horizon + 1),
            "mean": result.mean,
            "lower": result.lower,
            "upper": result.upper,
            "sigma": result.sigma,
            "model": result.model,
            "residual_std": result.residual_std,
            "error": None,
        }
    )
