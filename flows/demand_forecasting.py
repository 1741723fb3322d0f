"""Demand forecasting: every SKU x market, nightly, forecasts and intervals in the market's region.

Per market (reads and writes in that market's own region; only aggregates leave it): read daily
net units per SKU from the orders table (sales less received returns, presold units on their
order day, cancelled and rejected orders left out: ``livebase.replenishment.history``); forecast
them in coarse chunks (``FORECAST_CHUNK`` SKUs per task, so 10k SKUs are 40 task runs) with
``livebase.forecasting.forecast_batch`` and the market's festival regressors
(``livebase.markets.festivals``), the session plans' line-ups and presales and the session
prices' promotions (``livebase.sessions.regressors``; effects by regression, SARIMAX skipped at
this scale; intermittent series keep Croston/SBA/TSB with a bounded uplift per regressor);
backtest a sample of the busiest SKUs (rolling origin, against seasonal naive); write the
forecasts as CSV to the market's data-lake bucket (the history per run date) and one item per
successfully forecast SKU to the market's Forecasts table (overwritten nightly; what
``order-to-replenish`` reads instead of re-fitting, see ``livebase.stores.forecasts``); publish an
accuracy table per market and a plot of history, forecast and interval for the top SKUs.

Parallel across cores by default (``ProcessPoolTaskRunner``). Scale-out: run the same flow
with ``demand_forecasting.with_options(task_runner=DaskTaskRunner(address=...))`` from
prefect-dask (a Dask cluster; ~75 ms overhead per task, so keep chunks coarse), or per market
as a SageMaker processing job in the market's own region (``flows/forecast_scaleout.py``,
entry point ``flows/demand_forecasting_job.py``).
"""

from __future__ import annotations

import base64
import io as stdio
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import boto3
import numpy as np
import pandas as pd
from prefect import flow, task
from prefect.task_runners import ProcessPoolTaskRunner
from pydantic import BaseModel, Field

from flows import commerce_io, session_io
from flows.artifacts import CROSS_MARKET, no_input, pct, publish_markdown, publish_table
from flows.markets import MARKETS, SELLING_MARKET_IDS, MarketSelection, resolve_market_resources
from livebase.forecasting import forecast_batch
from livebase.forecasting.backtest import backtest
from livebase.forecasting.result import DEFAULT_LEVEL
from livebase.forecasting.yearly import yearly_factors
from livebase.markets.festivals import market_festival_frame
from livebase.markets.resources import MarketResources
from livebase.replenishment.history import daily_units, history_window
from livebase.sessions.regressors import COLUMNS as REGRESSOR_COLUMNS
from livebase.sessions.regressors import merged, plan_regressors, price_regressors, regressor_rows
from livebase.stores.forecasts import ForecastStore, StoredForecast, from_rows

FORECAST_CHUNK = 250
SEASON_LENGTH = 7  # daily data, weekly pattern


class MarketForecast(BaseModel):
    market: str
    skus: int
    failed: int
    object_key: str | None
    stored: int = 0  # items written to the market's Forecasts table
    accuracy: list[dict[str, Any]]


def read_daily_units(resources: MarketResources, start: date, end: date) -> dict[str, list[int]]:
    """Units per SKU per day over [start, end) from the market's orders table (its own region)."""
    return daily_units(commerce_io.read_sales(resources, start, end), start, end)


def write_forecast_csv(resources: MarketResources, key: str, body: bytes) -> str:
    """Put the forecast file in the market's own data-lake bucket, with a client of its region."""
    s3 = boto3.client("s3", region_name=resources.region)
    s3.put_object(Bucket=resources.data_lake_bucket, Key=key, Body=body, ContentType="text/csv")
    return f"s3://{resources.data_lake_bucket}/{key}"


def write_forecast_items(resources: MarketResources, forecasts: list[StoredForecast]) -> int:
    """Overwrite each SKU's item in the market's Forecasts table, with a client of its region."""
    return ForecastStore.for_market(resources).write(forecasts)


def _long_frame(series: dict[str, list[int]], start: date) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"id": sku, "ds": pd.date_range(start, periods=len(units), freq="D"), "y": units})
        for sku, units in series.items()
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["id", "ds", "y"])


def _festival_regressors(market_id: str, start: date, days: int) -> pd.DataFrame:
    end = start + timedelta(days=days - 1)
    return market_festival_frame(MARKETS[market_id], start, end).reset_index()


@task
def read_market_history(resources: MarketResources, history_days: int, as_of: date) -> dict[str, list[int]]:
    start, end = history_window(as_of, history_days)
    return read_daily_units(resources, start, end)


PlanRegressors = dict[str, dict[date, dict[str, float]]]


def read_plan_regressors(resources: MarketResources, first: date, last: date) -> PlanRegressors:
    """The market's session plans and session prices over [first, last] as per-SKU regressors (its own region).

    Plans: line-ups and presales (its bucket); prices: the promotions and live prices below the
    catalogue's list price set for its sessions (``commerce_io.read_session_prices``).
    """
    plans = plan_regressors(session_io.read_plans(resources, first, last))
    prices = commerce_io.read_session_prices(resources, first, last)
    if not prices:
        return plans
    listed = {t.sku: t.list_price for t in commerce_io.read_catalogue(resources).skus if t.list_price is not None}
    return merged(plans, price_regressors(prices, listed))


@task
def read_market_plans(resources: MarketResources, first: date, last: date) -> PlanRegressors:
    return read_plan_regressors(resources, first, last)


def _with_plan(
    frame: pd.DataFrame,
    future: pd.DataFrame | None,
    plan: PlanRegressors,
    skus: list[str],
    start: date,
    days: int,
    horizon: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add the session / presale / promotion columns (zeros where nothing was said) to history and horizon."""
    planned = pd.DataFrame(regressor_rows(plan, skus, start, days + horizon))
    planned["ds"] = pd.to_datetime(planned["ds"])
    ahead = planned[planned["ds"] >= pd.Timestamp(start + timedelta(days=days))]
    frame = frame.merge(planned, on=["id", "ds"], how="left")
    return frame, ahead if future is None else future.merge(ahead, on=["id", "ds"], how="left")


def _deseasonalise_yearly(
    frame: pd.DataFrame, series: dict[str, list[int]], start: date, horizon: int
) -> dict[str, np.ndarray]:
    """Divide each long-enough series by its yearly factors (in place); the factors per SKU."""
    factors: dict[str, np.ndarray] = {}
    frame["y"] = frame["y"].astype(float)
    for sku, units in series.items():
        found = yearly_factors(np.asarray(units, dtype=float), pd.Timestamp(start), horizon)
        if found is not None:
            factors[sku] = found
            rows = frame["id"] == sku
            frame.loc[rows, "y"] = frame.loc[rows, "y"].to_numpy() / found[: len(units)]
    return factors


@task
def forecast_chunk(
    market_id: str,
    series: dict[str, list[int]],
    start: date,
    horizon: int,
    festivals: bool,
    plan: PlanRegressors | None = None,
    yearly: bool = False,
) -> list[dict[str, Any]]:
    """Forecast one chunk of SKUs; a SKU that cannot be forecast comes back with its reason.

    ``plan``: the session plans' and prices' regressors of these SKUs (shown in a session, on
    presale, on promotion), used when any of them was planned; ``yearly``: a yearly pattern for
    series with two years of history.
    """
    frame = _long_frame(series, start)
    days = max((len(v) for v in series.values()), default=0)
    columns: list[str] = []
    future = None
    if festivals and MARKETS[market_id].cultural_rules.festivals:
        regressors = _festival_regressors(market_id, start, days + horizon)
        columns = [c for c in regressors.columns if c != "ds"]
        frame = frame.merge(regressors, on="ds", how="left")
        tail = regressors[regressors["ds"] >= pd.Timestamp(start + timedelta(days=days))]
        future = pd.concat([tail.assign(id=sku) for sku in series], ignore_index=True)
    if plan and series:
        frame, future = _with_plan(frame, future, plan, list(series), start, days, horizon)
        columns += list(REGRESSOR_COLUMNS)
    factors = _deseasonalise_yearly(frame, series, start, horizon) if yearly else {}
    out = forecast_batch(
        frame,
        horizon,
        SEASON_LENGTH,
        exog_columns=columns,
        future_exog=future,
        errors="report",
        exog_models=("regression",),
    )
    for sku, found in factors.items():
        rows = (out["id"] == sku) & out["error"].isna()
        scale = found[len(series[sku]) + out.loc[rows, "step"].to_numpy() - 1]
        for column in ("mean", "lower", "upper", "sigma"):
            out.loc[rows, column] = out.loc[rows, column].to_numpy() * scale
        out.loc[rows, "model"] = out.loc[rows, "model"] + " x yearly pattern (3 harmonics)"
    out["ds"] = out["ds"].dt.strftime("%Y-%m-%d")
    return [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        for row in out.to_dict("records")
    ]


@task
def backtest_market(
    market_id: str, series: dict[str, list[int]], start: date, horizon: int, sample: int
) -> list[dict[str, Any]]:
    """Rolling-origin accuracy on the `sample` busiest SKUs (3 origins), vs seasonal naive."""
    busiest = sorted(series, key=lambda sku: -sum(series[sku]))[:sample]
    frame = _long_frame({sku: series[sku] for sku in busiest}, start).assign(market=market_id)
    try:
        table = backtest(frame, horizon, SEASON_LENGTH, origins=3)
    except ValueError as error:
        return [{"market": market_id, "note": str(error)}]
    return [
        {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
        for row in table[table["market"] != "overall"].to_dict("records")
    ]


def accuracy_row(row: dict[str, Any]) -> dict[str, Any]:
    """A market's backtest as ops read it: the verdict against seasonal naive first, errors in %."""
    if "note" in row:
        return {"market": row["market"], "verdict": no_input(str(row["note"]))}
    skill = float(row["mase_skill"])
    verdict = "beats seasonal naive" if skill > 0 else "no better than seasonal naive"
    return {
        "market": row["market"], "verdict": verdict if skill == skill else "no naive baseline (flat history)",
        "mase_skill": pct(skill) if skill == skill else "-", "smape": f"{row['smape']:.1f}%",
        "smape_snaive": f"{row['smape_snaive']:.1f}%", "mase": row["mase"], "mase_snaive": row["mase_snaive"],
        "series": row["series"], "evaluations": row["evaluations"],
    }  # fmt: skip


def _plot_markdown(
    market_id: str, series: dict[str, list[int]], start: date, rows: list[dict[str, Any]], top: int
) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    busiest = sorted(series, key=lambda sku: -sum(series[sku]))[:top]
    fig, axes = plt.subplots(len(busiest) or 1, 1, figsize=(9, 2.2 * max(len(busiest), 1)), squeeze=False)
    for ax, sku in zip(axes[:, 0], busiest, strict=False):
        history = series[sku][-120:]
        days = pd.date_range(start + timedelta(days=len(series[sku]) - len(history)), periods=len(history))
        fc = pd.DataFrame([r for r in rows if r["id"] == sku and r.get("error") is None])
        ax.plot(days, history, color="0.3", lw=0.8, label="units sold")
        if not fc.empty:
            ds = pd.to_datetime(fc["ds"])
            ax.plot(ds, fc["mean"], color="tab:blue", label="forecast")
            ax.fill_between(ds, fc["lower"], fc["upper"], color="tab:blue", alpha=0.2, label="95% interval")
        ax.set_title(sku, fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    buffer = stdio.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f"### {market_id}: history, forecast and 95% interval, top {len(busiest)} SKUs\n\n"
        f"![demand forecast {market_id}](data:image/png;base64,{encoded})\n"
    )


# Processes, not threads: the fits are Python loops over numpy, bound by the GIL.
@flow(name="demand-forecasting", log_prints=True, task_runner=ProcessPoolTaskRunner())  # type: ignore[arg-type]
def demand_forecasting(
    markets: MarketSelection | None = None,
    history_days: Annotated[int, Field(ge=28, le=1095, description="days of sales history")] = 730,
    horizon_days: Annotated[int, Field(ge=1, le=90, description="days forecast")] = 28,
    chunk_size: Annotated[int, Field(ge=1, le=5000, description="SKUs per task")] = FORECAST_CHUNK,
    festivals: Annotated[bool, Field(description="use the market's festival regressors")] = True,
    session_plans: Annotated[
        bool, Field(description="the session plans' line-ups and presales, and promotions, as regressors")
    ] = True,
    yearly: Annotated[bool, Field(description="a yearly pattern for series with two years of history")] = True,
    backtest_skus: Annotated[int, Field(ge=1, le=500, description="busiest SKUs backtested")] = 50,
    plotted_skus: Annotated[int, Field(ge=1, le=12, description="SKUs in the plot")] = 4,
    as_of: Annotated[date | None, Field(description="run date (UTC); default today")] = None,
    dry_run: Annotated[bool, Field(description="forecast and report only; write nothing")] = False,
) -> list[MarketForecast]:
    """Forecast every SKU of each selected market (default: every selling market)."""
    selected = markets or list(SELLING_MARKET_IDS)
    run_date = as_of or datetime.now(UTC).date()
    start = history_window(run_date, history_days)[0]
    resources = {market_id: resolve_market_resources(market_id) for market_id in selected}  # once per run
    histories = [f.result() for f in read_market_history.map(list(resources.values()), history_days, run_date)]
    summaries = []
    for market_id, series in zip(selected, histories, strict=True):
        skus = sorted(series)
        chunks = [{s: series[s] for s in skus[i : i + chunk_size]} for i in range(0, len(skus), chunk_size)]
        plan = (
            read_market_plans(resources[market_id], start, run_date + timedelta(days=horizon_days))
            if session_plans
            else {}
        )
        futures = [
            forecast_chunk.submit(
                market_id, c, start, horizon_days, festivals, {s: plan[s] for s in c if s in plan} or None, yearly
            )
            for c in chunks
        ]
        accuracy_future = backtest_market.submit(market_id, series, start, horizon_days, backtest_skus)
        rows = [row for f in futures for row in f.result()]
        accuracy = accuracy_future.result()
        key, stored = None, 0
        if not dry_run and rows:
            body = pd.DataFrame(rows).to_csv(index=False).encode()
            key = write_forecast_csv(resources[market_id], f"forecasts/demand/{run_date}/{market_id}.csv", body)
            stored = write_forecast_items(resources[market_id], from_rows(rows, run_date, DEFAULT_LEVEL))
        failed = sum(1 for r in rows if r.get("error"))
        summaries.append(
            MarketForecast(
                market=market_id, skus=len(series), failed=failed, object_key=key, stored=stored, accuracy=accuracy
            )
        )
        publish_markdown(
            market_id,
            key=f"demand-forecast-plot-{market_id}",
            markdown=_plot_markdown(market_id, series, start, rows, plotted_skus) if series else "",
            description=f"History, forecast and interval for the top SKUs of {market_id}",
            empty=no_input(f"no sales history in {market_id} since {start}: nothing to forecast"),
        )
        print(
            f"{market_id}: {len(series)} SKUs forecast ({failed} failed) -> {key or 'not written'}; "
            f"{stored} stored in the Forecasts table"
        )
    publish_table(
        CROSS_MARKET,
        key="demand-forecast-accuracy",
        table=[accuracy_row(row) for s in summaries for row in s.accuracy],
        description="Rolling-origin backtest per market: sMAPE and MASE vs seasonal naive (busiest SKUs)",
        empty=no_input(f"no SKU with sales history in {', '.join(selected)}: nothing to backtest"),
    )
    return summaries
