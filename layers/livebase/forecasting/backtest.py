"""Rolling-origin backtest: sMAPE and MASE per market and overall, against seasonal naive.

Why rolling origins: one split is luck; several origins, each forecasting `horizon` steps from
the data before it only, show how the method does over time. Accuracy is the mean over
(series, origin) pairs; MASE is scaled per pair by that pair's training history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict, Unpack

import numpy as np
import pandas as pd

from livebase.forecasting.api import forecast
from livebase.forecasting.metrics import mase, seasonal_naive, smape
from livebase.forecasting.smoothing import FloatArray

Forecaster = Callable[[FloatArray, int, int], FloatArray]


def _livebase(history: FloatArray, horizon: int, season_length: int) -> FloatArray:
    return forecast(history, horizon, season_length).mean


def backtest_series(
    y: FloatArray,
    horizon: int,
    season_length: int,
    origins: int = 3,
    step: int | None = None,
    forecaster: Forecaster = _livebase,
) -> pd.DataFrame:
    """One row per origin: sMAPE and MASE of the forecaster and of seasonal naive."""
    step = step or horizon
    rows = []
    for k in range(origins, 0, -1):
        cut = y.size - horizon - (k - 1) * step
        if cut < max(2 * season_length, 3):
            continue
        train, test = y[:cut], y[cut : cut + horizon]
        ours = forecaster(train, horizon, season_length)
        naive = seasonal_naive(train, horizon, season_length)
        rows.append(
            {
                "origin": cut,
                "smape": smape(test, ours),
                "mase": mase(train, test, ours, season_length),
                "smape_snaive": smape(test, naive),
                "mase_snaive": mase(train, test, naive, season_length),
            }
        )
    return pd.DataFrame(rows, columns=["origin", "smape", "mase", "smape_snaive", "mase_snaive"])


class Origins(TypedDict, total=False):
    """:func:`backtest`'s options, passed on to :func:`backtest_series` (defaults there)."""

    origins: int
    step: int | None
    forecaster: Forecaster


def backtest(frame: pd.DataFrame, horizon: int, season_length: int, **options: Unpack[Origins]) -> pd.DataFrame:
    """Accuracy table from a long frame (market, id, ds, y): one row per market plus "overall".

    Columns: market, series, evaluations, smape, mase, smape_snaive, mase_snaive and
    mase_skill = 1 - mase / mase_snaive (positive: better than seasonal naive).
    """
    missing = {"market", "id", "ds", "y"} - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks column(s) {sorted(missing)}")
    parts = []
    for (market, key), group in frame.sort_values("ds").groupby(["market", "id"], sort=True):
        result = backtest_series(group["y"].to_numpy(dtype=float), horizon, season_length, **options)
        parts.append(result.assign(market=market, id=key))
    if not parts:
        raise ValueError("no series long enough to backtest")
    evaluations = pd.concat(parts, ignore_index=True)
    table = [_summary(str(m), g) for m, g in evaluations.groupby("market", sort=True)]
    table.append(_summary("overall", evaluations))
    return pd.DataFrame(table)


def _summary(name: str, rows: pd.DataFrame) -> dict[str, object]:
    mase_ours, mase_naive = float(np.nanmean(rows["mase"])), float(np.nanmean(rows["mase_snaive"]))
    return {
        "market": name,
        "series": int(rows["id"].nunique()),
        "evaluations": len(rows),
        "smape": float(rows["smape"].mean()),
        "mase": mase_ours,
        "smape_snaive": float(rows["smape_snaive"].mean()),
        "mase_snaive": mase_naive,
        "mase_skill": 1 - mase_ours / mase_naive if mase_naive > 0 else float("nan"),
    }
