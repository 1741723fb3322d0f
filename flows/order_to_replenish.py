"""Order-to-replenish: from each market's sales and stock to purchase orders and WMS hand-offs.

Per market (each read and write in that market's own region; only aggregates come back):
read daily sales, stock, open purchase orders and the supplier catalogue; decide per SKU with
the (s, S) policy on a forecast: the nightly one from the market's Forecasts table when it is
fresh (``livebase.stores.forecasts``, read once per chunk), else one made here
(``livebase.forecasting``), else the trailing mean, the source and the reason recorded per SKU;
the last 7 days' sales against what the nightly runs forecast for them (the stored ``past``);
fit each supplier's budget; write one purchase order per supplier and announce it on the bus;
hand placed orders to the WMS queue; publish a decisions table and a stock-trajectory plot for
ops. Tasks are coarse: per market, and per chunk of SKUs to decide.
Runs hourly and on ``stock.low`` (see ``flows/deployments.py`` and ``flows/triggers.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from prefect import State, flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from flows import purchase_orders as po
from flows import replenishment_io as io
from flows import stored_forecast_io
from flows.markets import MARKETS, SELLING_MARKET_IDS, MarketSelection, market_resources
from flows.replenishment_report import (
    DecisionRow,
    decision_row,
    plot_markdown,
    top_skus,
    trajectory_png,
)
from flows.wms_handoff import hand_off_orders
from livebase.commerce.orders import order_model, revenue, units_per_sku
from livebase.replenishment import (
    Decision,
    DemandEstimate,
    PolicyInput,
    SkuClass,
    allocate,
    decide,
    from_forecast,
    trailing_mean,
)
from livebase.replenishment.catalogue import Catalogue, CatalogueError
from livebase.replenishment.history import abc_classes, daily_units, history_window, revenue_per_sku
from livebase.stores.forecasts import StoredForecast

SKU_CHUNK = 250  # SKUs per decide task: a market of 10k SKUs is 40 task runs, not 10k
RECENT_DAYS = 7  # whole days of sales set against what was forecast for them


class MarketDemand(BaseModel):
    market: str
    orders: int
    revenue: Decimal
    currency: str
    units_per_sku: dict[str, int]
    decisions: list[DecisionRow] = []
    purchase_orders: list[dict[str, str | int | bool]] = []
    wms_handed_off: int = 0
    catalogue: str = ""


class SkuSeries(BaseModel):
    """One SKU's daily units and stock position: aggregates only, safe to leave the market task."""

    sku: str
    daily_units: list[int]
    on_hand: int
    on_order: int
    backorders: int
    sku_class: SkuClass


class MarketState(BaseModel):
    market: str
    skus: list[SkuSeries]
    catalogue: Catalogue


@task(name="summarise-market-orders", retries=2, retry_delay_seconds=5)
def summarise_market_orders(market_id: str) -> MarketDemand:
    resources = market_resources(market_id)
    model = order_model(resources.orders_table, resources.region)
    orders = list(model.scan())
    currency = orders[0].currency if orders else ""
    return MarketDemand(
        market=market_id,
        orders=len(orders),
        revenue=revenue(orders),
        currency=currency,
        units_per_sku=dict(units_per_sku(orders).most_common()),
    )


def _transient(task: object, task_run: object, state: State) -> bool:
    """Retry AWS hiccups, not a catalogue that does not validate (it fails the same way again)."""
    try:
        state.result()
    except CatalogueError:
        return False
    except Exception:
        return True
    return True


@task(name="read-market-state", retries=2, retry_delay_seconds=5, retry_condition_fn=_transient)
def read_market_state(market_id: str, history_days: int, as_of: date) -> MarketState:
    """Sales per SKU per day, stock position and catalogue, read in the market's region."""
    resources = market_resources(market_id)
    start, end = history_window(as_of, history_days)
    lines = io.read_sales(resources, start, end)
    series = daily_units(lines, start, end)
    stock = io.read_stock(resources)
    due = io.on_order(io.read_open_purchase_orders(resources), as_of)
    catalogue = io.read_catalogue(resources)
    classes = abc_classes(revenue_per_sku(lines, start, end))
    skus = []
    for sku in sorted({*series, *stock}):
        item = stock.get(sku)
        fixed = catalogue.terms_for(sku)[2]
        skus.append(SkuSeries(
            sku=sku, daily_units=series.get(sku, [0] * history_days),
            on_hand=item.available if item else 0,  # sellable spot stock, net of reserved orders
            on_order=due.get(sku, 0),
            backorders=item.presale_reserved if item else 0,  # sold ahead of stock not yet here
            sku_class=fixed or classes.get(sku, SkuClass.C),
        ))  # fmt: skip
    return MarketState(market=market_id, skus=skus, catalogue=catalogue)


def read_stored_forecasts(market_id: str, skus: list[str]) -> stored_forecast_io.StoredRead:
    """The chunk's nightly forecasts from the market's Forecasts table (its own region)."""
    return stored_forecast_io.read_stored(market_resources(market_id), skus)


def stored_forecasts(market_id: str, skus: list[str]) -> tuple[dict[str, StoredForecast], dict[str, str]]:
    """Stored forecasts per SKU and, per SKU, why none could be read; a failed read never fails the run."""
    try:
        read = read_stored_forecasts(market_id, skus)
    except Exception as error:  # the table is an optimisation: forecast here instead, and say why
        reason = f"stored forecasts unreadable ({type(error).__name__}: {error})"
        print(f"{market_id}: {reason}; forecasting {len(skus)} SKU(s) inline")
        return {}, dict.fromkeys(skus, reason)
    return read.forecasts, read.unreadable


def demand_for(
    history: list[int], horizon_days: int, stored: StoredForecast | None = None, as_of: date | None = None
) -> tuple[DemandEstimate, str]:
    """The nightly forecast when fresh and long enough, else one made here, else the trailing mean.

    The estimate's source says which (``forecast:nightly <run date>: <model>``,
    ``forecast:inline: <model>``, ``trailing-mean:<days>d``); the note says why a better one was not used.
    """
    notes = []
    if stored is not None and as_of is not None:
        window = stored.window(as_of, horizon_days)
        if window is not None:
            try:
                return from_forecast(window, horizon_days, model=f"nightly {stored.run_date}: {stored.model}"), ""
            except ValueError as error:
                notes.append(f"nightly forecast unusable ({error})")
        else:
            notes.append(f"nightly forecast of {stored.run_date} stale or shorter than {horizon_days} d")
    try:
        from livebase.forecasting import forecast

        result = forecast([float(x) for x in history], horizon_days, 7)
        return from_forecast(result, horizon_days, model=f"inline: {result.model}"), "; ".join(notes)
    except Exception as error:  # any failure of the forecaster falls back; the reason is kept
        notes.append(f"forecast unavailable ({type(error).__name__}: {error}); trailing mean used")
        return trailing_mean(history), "; ".join(notes)


def recent_sales_and_forecast(
    history: list[int], stored: StoredForecast | None, as_of: date, days: int = RECENT_DAYS
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Sales of the last ``days`` whole days (history ends with today, partial) and what the
    nightly runs forecast for them; both empty when that forecast is not known for every day."""
    if stored is None or len(history) <= days:
        return (), ()
    forecast = stored.forecast_for(as_of - timedelta(days=days), days)
    return (tuple(float(x) for x in history[-days - 1 : -1]), forecast) if forecast else ((), ())


@task(name="decide-sku-chunk")
def decide_chunk(
    market_id: str, skus: list[SkuSeries], catalogue: Catalogue, horizon_days: int, run_date: date
) -> list[Decision]:
    """Policy decisions for a chunk of SKUs (one read of stored forecasts, plain Python per SKU)."""
    stored, unread = stored_forecasts(market_id, [item.sku for item in skus])
    decisions = []
    for item in skus:
        demand, note = demand_for(item.daily_units, horizon_days, stored.get(item.sku), run_date)
        note = "; ".join(n for n in (unread.get(item.sku, ""), note) if n)
        lead_time, supply, _ = catalogue.terms_for(item.sku)
        recent_sales, recent_forecast = recent_sales_and_forecast(item.daily_units, stored.get(item.sku), run_date)
        decision = decide(PolicyInput(
            sku=item.sku, market=market_id, sku_class=item.sku_class, demand=demand,
            lead_time=lead_time, supply=supply, on_hand=item.on_hand, on_order=item.on_order,
            backorders=item.backorders, recent_sales=recent_sales, recent_forecast=recent_forecast,
        ))  # fmt: skip
        decisions.append(replace(decision, reasons=(*decision.reasons, note)) if note else decision)
    return decisions


@task(name="place-purchase-orders", retries=2, retry_delay_seconds=5)
def place_purchase_orders(
    market_id: str, decisions: list[Decision], run_date: date
) -> list[dict[str, str | int | bool]]:
    """One PO per supplier for this run date (kept if it exists), then announce any unannounced."""
    resources = market_resources(market_id)
    run_id = str(flow_run.id or "local")
    documents = po.build_purchase_orders(decisions, market_id, MARKETS[market_id].currency, run_date, run_id)
    results = po.write_purchase_orders(resources, documents)
    announced = set(po.announce_pending(resources, io.read_open_purchase_orders(resources)))
    return [
        {"po_id": r.po_id, "supplier": r.supplier, "lines": r.lines, "units": r.units,
         "total_cost": r.total_cost, "created": r.created, "announced_now": r.po_id in announced}
        for r in results
    ]  # fmt: skip


@task(name="hand-off-to-wms", retries=2, retry_delay_seconds=5)
def hand_off_to_wms(market_id: str) -> int:
    return len(hand_off_orders(market_resources(market_id)))


def publish_market_report(state: MarketState, decisions: list[Decision], rows: list[DecisionRow], top: int) -> None:
    create_table_artifact(
        key=f"order-to-replenish-decisions-{state.market}",
        table=[row.model_dump() for row in rows] or [{"market": state.market, "sku": "-", "order_qty": 0}],
        description=f"Replenishment decisions for {state.market}. Catalogue: {state.catalogue.source}",
    )
    positions = {s.sku: s.on_hand + s.on_order - s.backorders for s in state.skus}
    chosen = top_skus(decisions, top)
    png = trajectory_png(chosen, positions, f"{state.market}: projected stock vs reorder point")
    create_markdown_artifact(
        key=f"order-to-replenish-plot-{state.market}",
        markdown=plot_markdown(png, state.market, state.catalogue.source, [d.sku for d in chosen]),
        description=f"Projected stock trajectory vs reorder point, top SKUs of {state.market}",
    )


@flow(name="order-to-replenish", log_prints=True)
def order_to_replenish(
    markets: MarketSelection | None = None,
    history_days: Annotated[int, Field(ge=14, le=365, description="days of sales history read")] = 56,
    horizon_days: Annotated[int, Field(ge=1, le=60, description="forecast days averaged into demand")] = 14,
    dry_run: Annotated[bool, Field(description="decide and report only: no POs, no WMS messages")] = False,
    as_of: Annotated[date | None, Field(description="run date (UTC); default today")] = None,
    plotted_skus: Annotated[int, Field(ge=1, le=12, description="SKUs in the trajectory plot")] = 6,
) -> list[MarketDemand]:
    """Replenish each selected market (default: every selling market) and hand orders to its WMS."""
    selected = markets or list(SELLING_MARKET_IDS)
    run_date = as_of or datetime.now(UTC).date()
    summaries = [f.result() for f in summarise_market_orders.map(selected)]
    states = [f.result() for f in read_market_state.map(selected, history_days, run_date)]
    futures = {  # every market's chunks at once: they share the task runner's threads
        state.market: [
            decide_chunk.submit(state.market, state.skus[i : i + SKU_CHUNK], state.catalogue, horizon_days, run_date)
            for i in range(0, len(state.skus), SKU_CHUNK)
        ]
        for state in states
    }
    for summary, state in zip(summaries, states, strict=True):
        decided = [d for future in futures[state.market] for d in future.result()]
        decisions = allocate(decided, state.catalogue.budgets())
        by_sku = {s.sku: s for s in state.skus}
        rows = [decision_row(d, by_sku[d.sku].on_hand, by_sku[d.sku].on_order) for d in decisions]
        summary.decisions, summary.catalogue = rows, state.catalogue.source
        if not dry_run:
            summary.purchase_orders = place_purchase_orders(state.market, decisions, run_date)
            summary.wms_handed_off = hand_off_to_wms(state.market)
        publish_market_report(state, decisions, rows, plotted_skus)
    _publish_units_table(summaries, selected)
    for s in summaries:
        ordering = sum(1 for r in s.decisions if r.order_qty > 0)
        print(
            f"{s.market}: {s.orders} orders, {s.revenue} {s.currency}, {len(s.units_per_sku)} SKUs; "
            f"{ordering} to order, {len(s.purchase_orders)} PO(s), {s.wms_handed_off} handed to WMS"
            + (" (dry run)" if dry_run else "")
        )
    return summaries


def _publish_units_table(summaries: list[MarketDemand], selected: list[str]) -> None:
    rows = [
        {"market": s.market, "sku": sku, "units": units, "market_orders": s.orders}
        for s in summaries
        for sku, units in s.units_per_sku.items()
    ]
    create_table_artifact(
        key="order-to-replenish-units",
        table=rows or [{"market": m, "sku": "-", "units": 0, "market_orders": 0} for m in selected],
        description="Units sold per SKU and market (from each market's orders table, in its own region)",
    )
