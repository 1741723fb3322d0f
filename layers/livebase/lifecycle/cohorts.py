"""Cohort retention: viewers by the month of their first order, and the share who order again
in each later month (month 0 is the cohort's own month, always 100 %)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from livebase.lifecycle.frame import identified, placed


def _month_index(times: pd.Series) -> np.ndarray:
    return (times.dt.year.to_numpy().astype("int32") * 12 + times.dt.month.to_numpy().astype("int32") - 1).astype(
        "int32"
    )


def cohort_retention(frame: pd.DataFrame, max_offset: int = 12) -> pd.DataFrame:
    """Long table: ``cohort`` (YYYY-MM), ``offset`` (months), ``viewers`` active, cohort ``size``,
    ``retention`` (viewers / size). Offsets beyond ``max_offset`` are left out."""
    sales = identified(placed(frame))
    if sales.empty:
        return pd.DataFrame(columns=["cohort", "offset", "viewers", "size", "retention"])
    viewer_codes = sales["viewer_id"].cat.codes.to_numpy()
    months = _month_index(sales["placed_at"])
    active = pd.DataFrame({"v": viewer_codes, "month": months}).drop_duplicates()
    first = active.groupby("v")["month"].min()
    active["cohort"] = first.reindex(active["v"].to_numpy()).to_numpy()
    active["offset"] = active["month"] - active["cohort"]
    active = active[active["offset"] <= max_offset]
    table = active.groupby(["cohort", "offset"]).size().rename("viewers").reset_index()
    sizes = table[table["offset"] == 0].set_index("cohort")["viewers"]
    table["size"] = sizes.reindex(table["cohort"].to_numpy()).to_numpy()
    table["retention"] = table["viewers"] / table["size"]
    table["cohort"] = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in table["cohort"]]
    return table[["cohort", "offset", "viewers", "size", "retention"]]


def retention_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """Cohort x offset retention (rows: cohorts, oldest first), for a heat map."""
    return table.pivot(index="cohort", columns="offset", values="retention").sort_index()
