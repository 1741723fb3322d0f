"""What regional processing shows in Prefect: built from the exports only (aggregates, k applied).

Artifacts may be read outside the market's region (the Prefect server is one), so nothing here
takes a per-viewer table: the aggregates table and the cohort plot come from the market's
:class:`MarketExport`, the roll-up from what arrived at hq.
"""

from __future__ import annotations

import base64
import io

from flows.artifacts import money, pct
from livebase.aggregates.export import MarketExport
from livebase.aggregates.rollup import RollupRow

SHARES = frozenset({"repeat_rate", "checkout_conversion", "retention"})  # metrics that are shares: shown in %


def shown(metric: str, value: float, currency: str | None = None) -> str | int | float:
    """A cell's value as ops read it: shares in %, money with its currency, counts as counts."""
    if metric in SHARES:
        return pct(value)
    if currency is not None:
        return money(value, currency)
    return int(value) if float(value).is_integer() else value


def aggregate_rows(export: MarketExport) -> list[dict[str, str | int | float]]:
    """Each exported cell: what it measures and its value first, its provenance (rate) last."""
    rows: list[dict[str, str | int | float]] = []
    for cell in export.cells:
        currency = cell.money.hq_currency if cell.money is not None else None
        row: dict[str, str | int | float] = {
            "dimension": cell.dimension, "key": cell.key, "metric": cell.metric,
            "offset": "" if cell.offset is None else cell.offset, "value": shown(cell.metric, cell.value, currency),
            "viewers": cell.viewers, "market": export.market,
        }  # fmt: skip
        if cell.money is not None:
            row |= {
                "local": money(cell.money.local, cell.money.local_currency),
                "rate": str(cell.money.rate), "rate_date": cell.money.rate_date.isoformat(),
            }  # fmt: skip
        rows.append(row)
    return rows


def cohort_png(export: MarketExport) -> bytes:
    """Retention heat map (cohort x months since first order); suppressed cells stay blank."""
    import numpy as np
    from matplotlib.figure import Figure  # no pyplot: no global state, safe in task threads

    cells = [c for c in export.cells if c.dimension == "cohort" and c.offset is not None]
    cohorts = sorted({c.key for c in cells})
    offsets = max((c.offset or 0 for c in cells), default=0) + 1
    grid = np.full((max(len(cohorts), 1), offsets), np.nan)
    for c in cells:
        grid[cohorts.index(c.key), c.offset or 0] = c.value
    figure = Figure(figsize=(7, 0.35 * max(len(cohorts), 4) + 1.2), dpi=72)
    axis = figure.subplots()
    image = axis.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    axis.set_yticks(range(len(cohorts)), cohorts)
    axis.set_xlabel("months since first order")
    axis.set_title(f"{export.market}: cohort retention (cells behind < {export.k} viewers blank)")
    figure.colorbar(image, ax=axis, label="share of cohort ordering")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def cohort_markdown(export: MarketExport) -> str:
    encoded = base64.b64encode(cohort_png(export)).decode("ascii")
    return (
        f"### {export.market}: cohort retention, as of {export.as_of}\n\n"
        f"Viewers grouped by the month of their first order; each cell the share who ordered again in a "
        f"later month. Cells behind fewer than k={export.k} viewers are suppressed "
        f"({export.suppressed_cells} in this export).\n\n"
        f"![cohort retention {export.market}](data:image/png;base64,{encoded})\n"
    )


def rollup_rows(rows: list[RollupRow]) -> list[dict[str, str | int | float]]:
    def blank(value: object) -> str | int | float:
        return "suppressed" if value is None else value  # type: ignore[return-value]

    return [
        {
            "market": r.market,
            "gmv": blank(None if r.gmv_hq is None else money(r.gmv_hq, r.hq_currency)),
            "orders": blank(r.orders),
            "buyers": blank(r.buyers),
            "checkout_conversion": blank(None if r.checkout_conversion is None else pct(r.checkout_conversion)),
            "repeat_rate": blank(None if r.repeat_rate is None else pct(r.repeat_rate)),
            "segments": ", ".join(f"{k} {v}" for k, v in r.segments.items()),
            "suppressed_cells": r.suppressed_cells,
            "as_of": r.as_of,
            "rate": r.rate,
        }
        for r in rows
    ]
