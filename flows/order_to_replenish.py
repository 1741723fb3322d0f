"""Order-to-replenish: from each market's sales and stock to purchase orders and WMS hand-offs.

Per market (each read and write in that market's own region; only aggregates come back):
read daily sales, stock, open purchase orders and the supplier catalogue; decide per SKU with
the (s, S) policy on a forecast: the nightly one from the market's Forecasts table when it is
fresh (``livebase.stores.forecasts``, read once per chunk), else one made here
(``livebase.forecasting``), else the trailing mean, the source and the reason recorded per SKU;
the last 7 days' sales against what the nightly runs forecast for them (the stored ``past``);
fit each supplier's budget; write one purchase order per supplier and announce it on the bus;
hand placed orders to the WMS queue; publish a decisions table and a stock-trajectory plot for
ops. Tasks are coarse: per market, and per chunk of SKUs to decide. Each market's resources
are resolved once per run (one DescribeStacks in its region) and every task is handed its
market's :class:`MarketResources`. The planning itself is ``livebase.replenishment.planning``.
Runs hourly and on ``stock.low`` (see ``flows/catalogue.py`` and ``flows/triggers.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

import boto3
from prefect import flow, task
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

import livebase.replenishment.purchase_orders as po
from flows import commerce_io
from flows.artifacts import CROSS_MARKET, no_input, publish_markdown, publish_table
from flows.market_limits import DEFAULT_WAIT_SECONDS, market_slots
from flows.markets import MARKETS, SELLING_MARKET_IDS, MarketSelection, resolve_market_resources
from flows.replenishment_report import (
    DECISION_FIRST,
    DECISION_LAST,
    DecisionRow,
    decision_row,
    plot_markdown,
    top_skus,
    trajectory_png,
)
from flows.retries import retry_unless
from livebase.commerce.orders import market_warehouse, revenue, units_per_sku
from livebase.commerce.wms_handoff import hand_off_orders
from livebase.markets.resources import MarketResources
from livebase.privacy.refused import RefusedDocuments
from livebase.replenishment import Decision, allocate
from livebase.replenishment.catalogue import Catalogue, CatalogueError
from livebase.replenishment.history import abc_classes, daily_units, history_window, revenue_per_sku
from livebase.replenishment.planning import (
    RECENT_DAYS,
    SkuSeries,
    decide_skus,
    demand_for,
    inventory_positions,
    on_order,
    recent_sales_and_forecast,
    sku_series,
    stored_forecasts,
)
from livebase.stores.forecasts import ForecastStore, StoredRead
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import OrderStore
from livebase.stores.presales import PresaleBook
from livebase.stores.purchase_orders import PurchaseOrderStore

__all__ = [  # the planning helpers are livebase.replenishment.planning's; named here for callers of the flow
    "RECENT_DAYS", "MarketDemand", "MarketState", "SkuSeries", "demand_for", "order_to_replenish",
    "recent_sales_and_forecast",
]  # fmt: skip

SKU_CHUNK = 250  # SKUs per decide task: a market of 10k SKUs is 40 task runs, not 10k


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
    nothing_to_act_on: list[str] = []  # why a market had no input ("no stock tracked in sea: ...")


class MarketState(BaseModel):
    market: str
    skus: list[SkuSeries]
    catalogue: Catalogue
    stock_tracked: int = 0  # SKUs the market's warehouse tracks
    sales_lines: int = 0  # order lines in the history window
    history_start: date | None = None


@task(name="summarise-market-orders", retries=2, retry_delay_seconds=5)
def summarise_market_orders(resources: MarketResources) -> MarketDemand:
    orders = OrderStore.for_market(resources).all_orders()
    currency = MARKETS[resources.market].currency  # the market's settlement currency, not the first order's
    return MarketDemand(
        market=resources.market,
        orders=len(orders),
        revenue=revenue(orders),
        currency=currency,
        units_per_sku=dict(units_per_sku(orders).most_common()),
    )


# A catalogue that does not validate fails the same way again: not retried.
@task(name="read-market-state", retries=2, retry_delay_seconds=5, retry_condition_fn=retry_unless(CatalogueError))
def read_market_state(resources: MarketResources, history_days: int, as_of: date) -> MarketState:
    """Sales per SKU per day, stock position and catalogue, read in the market's region."""
    start, end = history_window(as_of, history_days)
    lines = commerce_io.read_sales(resources, start, end)
    catalogue = commerce_io.read_catalogue(resources)
    stock = commerce_io.read_stock(resources)
    skus = sku_series(
        daily_units(lines, start, end),
        stock,
        on_order(commerce_io.read_open_purchase_orders(resources), as_of),
        catalogue,
        abc_classes(revenue_per_sku(lines, start, end)),
        history_days,
    )
    return MarketState(market=resources.market, skus=skus, catalogue=catalogue, stock_tracked=len(stock),
                       sales_lines=len(lines), history_start=start)  # fmt: skip


def nothing_to_act_on(state: MarketState) -> list[str]:
    """Why a market's run had nothing to plan on, in words ops can act on (empty when it had input)."""
    notes = []
    if not state.stock_tracked:
        notes.append(f"no stock tracked in {state.market}: run ./livebase stock")
    if not state.sales_lines:
        notes.append(f"no orders since {state.history_start} in {state.market}")
    return notes


def read_stored_forecasts(resources: MarketResources, skus: list[str]) -> StoredRead:
    """The chunk's nightly forecasts from the market's Forecasts table (its own region)."""
    return ForecastStore.for_market(resources).read(skus)


@task(name="decide-sku-chunk")
def decide_chunk(
    resources: MarketResources, skus: list[SkuSeries], catalogue: Catalogue, horizon_days: int, run_date: date
) -> list[Decision]:
    """Policy decisions for a chunk of SKUs (one read of stored forecasts, plain Python per SKU)."""
    names = [item.sku for item in skus]
    stored, unread = stored_forecasts(lambda chunk: read_stored_forecasts(resources, chunk), resources.market, names)
    return decide_skus(resources.market, skus, catalogue, horizon_days, run_date, stored, unread)


@task(name="place-purchase-orders", retries=2, retry_delay_seconds=5)
def place_purchase_orders(
    resources: MarketResources, decisions: list[Decision], run_date: date
) -> list[dict[str, str | int | bool]]:
    """One PO per supplier for this run date (kept if it exists), then announce any unannounced."""
    store = PurchaseOrderStore.for_market(resources)
    run_id = str(flow_run.id or "local")
    currency = MARKETS[resources.market].currency
    documents = po.build_purchase_orders(decisions, resources.market, currency, run_date, run_id)
    results = po.write_purchase_orders(store, documents)
    events = boto3.client("events", region_name=resources.region)
    keep = RefusedDocuments.of_market(resources, "order-to-replenish").keep
    pending = store.open_orders(resources.market)
    market = MARKETS[resources.market]
    announced = set(po.announce_pending(store, events, resources.event_bus_name, pending, source=market, keep=keep))
    return [
        {"po_id": r.po_id, "supplier": r.supplier, "lines": r.lines, "units": r.units,
         "total_cost": r.total_cost, "created": r.created, "announced_now": r.po_id in announced}
        for r in results
    ]  # fmt: skip


@task(name="hand-off-to-wms", retries=2, retry_delay_seconds=5)
def hand_off_to_wms(resources: MarketResources) -> int:
    sqs = boto3.client("sqs", region_name=resources.region)
    orders = OrderStore.for_market(resources)
    presales = PresaleBook(InventoryStore(commerce_io.dynamodb(resources), resources.inventory_table))
    warehouse = market_warehouse(resources.market)
    return len(hand_off_orders(orders, sqs, resources.wms_queue_url, warehouse, held=presales.held_from_wms))


def publish_market_report(state: MarketState, decisions: list[Decision], rows: list[DecisionRow], top: int) -> None:
    notes = "; ".join(nothing_to_act_on(state))
    ordering = [r for r in rows if r.order_qty > 0]
    decided = f"{len(ordering)} of {len(rows)} SKUs to order ({sum(r.order_qty for r in ordering)} units)"
    publish_table(
        state.market,
        key=f"order-to-replenish-decisions-{state.market}",
        table=[row.model_dump() for row in sorted(rows, key=lambda r: (r.order_qty == 0, r.sku))],
        description=f"{state.market}: {decided}; ordering SKUs first. Catalogue: {state.catalogue.source}"
        + (f". Nothing to act on: {notes}" if notes else ""),
        empty=no_input(notes or f"no SKU to decide in {state.market}"),
        first=DECISION_FIRST,
        last=DECISION_LAST,
    )
    positions = inventory_positions(state.skus)
    chosen = top_skus(decisions, top)
    png = trajectory_png(chosen, positions, f"{state.market}: projected stock vs reorder point") if chosen else b""
    publish_markdown(
        state.market,
        key=f"order-to-replenish-plot-{state.market}",
        markdown=plot_markdown(png, state.market, state.catalogue.source, [d.sku for d in chosen]) if chosen else "",
        description=f"Projected stock trajectory vs reorder point, top SKUs of {state.market}",
        empty=no_input(notes or f"no SKU with demand in {state.market} to plot"),
    )


@flow(name="order-to-replenish", log_prints=True)
def order_to_replenish(
    markets: MarketSelection | None = None,
    history_days: Annotated[int, Field(ge=14, le=365, description="days of sales history read")] = 56,
    horizon_days: Annotated[int, Field(ge=1, le=60, description="forecast days averaged into demand")] = 14,
    dry_run: Annotated[bool, Field(description="decide and report only: no POs, no WMS messages")] = False,
    as_of: Annotated[date | None, Field(description="run date (UTC); default today")] = None,
    plotted_skus: Annotated[int, Field(ge=1, le=12, description="SKUs in the trajectory plot")] = 6,
    wait_seconds: Annotated[
        int, Field(ge=1, le=7200, description="how long to wait for another run that holds one of these markets")
    ] = DEFAULT_WAIT_SECONDS,
) -> list[MarketDemand]:
    """Replenish each selected market (default: every selling market) and hand orders to its WMS.

    One run per market at a time (``flows.market_limits``): the hourly run and a ``stock.low``
    run for the same market never overlap; the later one waits, then plans on what the first placed.
    """
    selected = markets or list(SELLING_MARKET_IDS)
    with market_slots("order-to-replenish", selected, wait_seconds=wait_seconds):
        return _replenish(selected, history_days, horizon_days, dry_run, as_of, plotted_skus)


def _replenish(
    selected: list[str], history_days: int, horizon_days: int, dry_run: bool, as_of: date | None, plotted_skus: int
) -> list[MarketDemand]:
    run_date = as_of or datetime.now(UTC).date()
    resources = {r.market: r for r in (f.result() for f in resolve_market_resources.map(selected))}
    chosen = [resources[m] for m in selected]  # resolved once; every task below is handed its market's
    summaries = [f.result() for f in summarise_market_orders.map(chosen)]
    states = [f.result() for f in read_market_state.map(chosen, history_days, run_date)]
    futures = {  # every market's chunks at once: they share the task runner's threads
        state.market: [
            decide_chunk.submit(
                resources[state.market], state.skus[i : i + SKU_CHUNK], state.catalogue, horizon_days, run_date
            )
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
        summary.nothing_to_act_on = nothing_to_act_on(state)
        if not dry_run:
            summary.purchase_orders = place_purchase_orders(resources[state.market], decisions, run_date)
            summary.wms_handed_off = hand_off_to_wms(resources[state.market])
        publish_market_report(state, decisions, rows, plotted_skus)
    _publish_units_table(summaries, selected)
    for s in summaries:
        ordering = sum(1 for r in s.decisions if r.order_qty > 0)
        print(
            f"{s.market}: {s.orders} orders, {s.revenue} {s.currency}, {len(s.units_per_sku)} SKUs; "
            f"{ordering} to order, {len(s.purchase_orders)} PO(s), {s.wms_handed_off} handed to WMS"
            + (" (dry run)" if dry_run else "")
            + "".join(f"; {note}" for note in s.nothing_to_act_on)
        )
    return summaries


def _publish_units_table(summaries: list[MarketDemand], selected: list[str]) -> None:
    rows = [
        {"market": s.market, "sku": sku, "units": units, "market_orders": s.orders}
        for s in summaries
        for sku, units in s.units_per_sku.items()
    ]
    publish_table(
        CROSS_MARKET,
        key="order-to-replenish-units",
        table=rows,
        description="Units sold per SKU and market (from each market's orders table, in its own region)",
        empty=no_input(f"no order in {', '.join(selected)}'s orders tables"),
    )
