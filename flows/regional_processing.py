"""Regional processing: each market's customer lifecycle in its own region, aggregates only to hq.

Per market (run there: the ``regional-processing/<market>`` deployment's ECS job runs in the
market's region; locally, the market's region of the local AWS): read the orders in parallel scan
segments and the marketing consent once; compute RFM segments, lifecycle stages, repeat-purchase
rate, channel attribution and cohort retention (``livebase.lifecycle``); write the recall list
(dormant viewers who granted marketing) to the market's own data lake; build the export
(``livebase.aggregates.export``: no viewer field, cells below k suppressed, GMV converted into
hq's currency at the rate of the day the export covers, from hq's store of the ECB's reference rates
(``flows/fx_rates.py``) over ``config/fx_rates.json``; rates older than the market's
``fx_max_rate_age_days`` are refused with the day they stopped) and send it to hq's bucket through
the residency guard (a refused export stays in the market's quarantine). Then the hq roll-up reads
what has arrived at hq for the day. Artifacts: the aggregates table and cohort plot per market, the
roll-up; none carries a per-viewer row. Tasks are coarse: per market and scan segment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import pandas as pd
from prefect import flow, task
from pydantic import BaseModel, Field

from flows import regional_io as io
from flows.artifacts import CROSS_MARKET, no_input, publish_markdown, publish_table
from flows.markets import MARKETS, SELLING_MARKET_IDS, MarketSelection, resolve_market_resources
from flows.regional_report import aggregate_rows, cohort_markdown, rollup_rows
from flows.retries import retry_unless
from livebase.aggregates.export import DEFAULT_K, MIN_K, MarketExport, market_export
from livebase.aggregates.rates import RateTable
from livebase.aggregates.rollup import RollupRow, hq_rollup
from livebase.lifecycle.analysis import analyse
from livebase.lifecycle.frame import orders_frame
from livebase.lifecycle.stages import StageRules, recall_list
from livebase.markets.config import hq_market
from livebase.markets.residency import ResidencyViolation
from livebase.markets.resources import MarketResources
from livebase.stores.fx_rates import FxRateStore, hq_rates


class MarketOutcome(BaseModel):
    """What one market's run did (counts and keys only: this crosses to the Prefect server)."""

    market: str
    orders: int
    recalled: int
    recall_key: str
    export_key: str
    cells: int
    suppressed_cells: int


class RegionalResult(BaseModel):
    markets: list[MarketOutcome]
    rollup: list[dict[str, str | int | float]]
    lines: list[str]


@task(name="read-orders-segment", retries=2, retry_delay_seconds=5)
def read_orders_segment(resources: MarketResources, segment: int, total_segments: int) -> pd.DataFrame:
    return io.read_orders_segment(resources, segment, total_segments)


@task(name="read-marketing-consent", retries=2, retry_delay_seconds=5)
def read_marketing_consent(resources: MarketResources) -> set[str]:
    return io.marketing_consent(resources)


@task(name="process-market")
def process_market(
    resources: MarketResources, frames: list[pd.DataFrame], consent: set[str], as_of: date, rules: StageRules, k: int,
    rates: RateTable,
) -> tuple[MarketOutcome, MarketExport]:  # fmt: skip
    """Lifecycle, recall list (in-region) and the export (aggregates) of one market."""
    market = MARKETS[resources.market]
    frame = pd.concat(frames, ignore_index=True) if frames else orders_frame([])
    if len(frames) > 1:  # categoricals of different segments concatenate as object: re-type once
        frame = frame.astype({"viewer_id": "category", "campaign": "category"})
    activity = io.read_activity(resources, as_of, rules)  # visits, watch time, interaction (issue 31)
    lifecycle = analyse(frame, as_of, rules, activity)
    recalled = recall_list(lifecycle.staged, consent)
    key = io.write_recall_list(resources, as_of, recalled)
    rate = rates.with_max_age(market.fx_max_rate_age_days).rate(market.currency, hq_market(MARKETS).currency, as_of)
    export = market_export(market.id, lifecycle, rate, k=k)
    outcome = MarketOutcome(
        market=market.id, orders=lifecycle.orders_placed, recalled=len(recalled), recall_key=key,
        export_key="", cells=len(export.cells), suppressed_cells=export.suppressed_cells,
    )  # fmt: skip
    return outcome, export


# A residency refusal is not retried: the same export is refused again.
@task(name="export-to-hq", retries=2, retry_delay_seconds=5, retry_condition_fn=retry_unless(ResidencyViolation))
def export_to_hq(resources: MarketResources, export: MarketExport, bucket: str) -> str:
    """Through the residency guard into hq's bucket (refused: quarantined in-region, the run fails)."""
    return io.send_export(MARKETS[resources.market], resources, hq_market(MARKETS), bucket, export)


@task(name="hq-rollup", retries=2, retry_delay_seconds=5)
def read_rollup(bucket: str, as_of: date) -> list[RollupRow]:
    hq = hq_market(MARKETS)
    return hq_rollup(io.read_exports(hq, bucket, as_of), hq.currency)


def publish(export: MarketExport) -> None:
    publish_table(
        export.market,
        key=f"regional-processing-aggregates-{export.market}",
        table=aggregate_rows(export),
        description=f"Aggregates {export.market} sent to hq for {export.as_of} (k={export.k}, "
        f"{export.suppressed_cells} cells suppressed)",
        empty=no_input(f"no order in {export.market} up to {export.as_of}: nothing to aggregate"),
    )
    cohorts = any(c.dimension == "cohort" and c.offset is not None for c in export.cells)
    publish_markdown(
        export.market,
        key=f"regional-processing-cohorts-{export.market}",
        markdown=cohort_markdown(export) if cohorts else "",
        description=f"Cohort retention of {export.market} (from its export)",
        empty=no_input(f"no cohort in {export.market}'s export of {export.as_of} (no repeat buyer above k)"),
    )


@flow(name="regional-processing", log_prints=True)
def regional_processing(
    markets: MarketSelection | None = None,
    as_of: Annotated[date | None, Field(description="last day analysed (UTC); default today")] = None,
    k: Annotated[int, Field(ge=MIN_K, le=1000, description="smallest group exported to hq (viewers)")] = DEFAULT_K,
    dormant_after_days: Annotated[int | None, Field(ge=7, le=180, description="days unseen: dormant")] = None,
    churned_after_days: Annotated[int | None, Field(ge=30, le=730, description="days unseen: churned")] = None,
    new_within_days: Annotated[int | None, Field(ge=1, le=180, description="first seen this recent: new")] = None,
    scan_segments: Annotated[int, Field(ge=1, le=64, description="parallel scan segments per market")] = 4,
) -> RegionalResult:
    """Lifecycle per market in its region, recall lists in-region, aggregates to hq, the hq roll-up.

    Stage days are each market's (market config ``lifecycle``) unless a parameter overrides them."""
    chosen = {"new_within": new_within_days, "dormant_after": dormant_after_days, "churned_after": churned_after_days}
    overrides = {name: days for name, days in chosen.items() if days is not None}
    for market_id in markets or list(SELLING_MARKET_IDS):  # refuse impossible days before any work
        io.market_rules(MARKETS[market_id], overrides)
    run_date = as_of or datetime.now(UTC).date()
    selected = markets or list(SELLING_MARKET_IDS)
    hq = hq_market(MARKETS)
    bucket = io.hq_bucket(hq)
    rates = hq_rates(FxRateStore(bucket, hq.region), hq.currency, run_date)  # the days before run_date, once
    resolved = [f.result() for f in resolve_market_resources.map(selected)]
    segments = {
        r.market: [read_orders_segment.submit(r, s, scan_segments) for s in range(scan_segments)] for r in resolved
    }
    consents = {r.market: read_marketing_consent.submit(r) for r in resolved}
    outcomes = []
    for resources in resolved:
        frames = [f.result() for f in segments[resources.market]]
        rules = io.market_rules(MARKETS[resources.market], overrides)
        consent = consents[resources.market].result()
        outcome, export = process_market(resources, frames, consent, run_date, rules, k, rates)
        outcome.export_key = export_to_hq(resources, export, bucket)
        publish(export)
        outcomes.append(outcome)
    rollup = read_rollup(bucket, run_date)
    table = rollup_rows(rollup)
    publish_table(
        CROSS_MARKET,
        key="regional-processing-hq-rollup",
        table=table,
        description=f"hq roll-up for {run_date}: GMV in {hq.currency}, orders, conversion, segments "
        "per market (from the exports at hq only)",
        empty=no_input(f"no market export at hq for {run_date}"),
    )
    lines = [row.line() for row in rollup]
    for line in lines:
        print(line)
    return RegionalResult(markets=outcomes, rollup=table, lines=lines)
