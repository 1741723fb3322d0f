"""Business case: the seed report's chapter 4 finance model, fed with this platform's own figures.

Per market, in its own region (one task each): orders, GMV, average order value and conversion
from the Orders and room-metrics tables, and the usage the platform counts (shards, Lambda
metrics when CloudWatch has them, table and data-lake sizes, on-air hours), priced from the
documented table ``livebase/finance/aws_prices.yaml``. Only these aggregates leave the region.
Then per plan (each market's and the whole base's, from ``livebase/finance/business_case.yaml``):
the 36-month cash flow in the report's three phases, NPV, IRR, discounted payback, break-even,
EBITDA margin, whether and how it can break even, a tornado, three scenarios and a seeded
Monte Carlo. Artifacts: a summary table, the measured figures (each marked measured, estimated
or assumed), a cash-flow chart, a tornado, the NPV distribution, the feasibility note with the
report's own arithmetic recomputed; and a one-page HTML report written to a local path (printed)
and to the data lake of ``report_market``.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import boto3
from prefect import flow, task
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from flows.artifacts import CROSS_MARKET, no_input, publish_markdown, publish_table
from flows.business_case_report import (
    SUMMARY_FIRST,
    PlanResult,
    SummaryRow,
    cash_flow_png,
    cost_rows,
    distribution_png,
    feasibility_markdown,
    html_report,
    image_markdown,
    measured_rows,
    summary_row,
    summary_table,
    tornado_png,
)
from flows.markets import MARKETS, SELLING_MARKET_IDS, MarketId, MarketSelection, resolve_market_resources
from livebase.finance.aws_costs import CostEstimate, estimate, load_prices
from livebase.finance.cashflow import cash_flow
from livebase.finance.feasibility import assess
from livebase.finance.measured import MarketFigures, annual_gmv_cny_wan, market_figures
from livebase.finance.metrics import metrics_of
from livebase.finance.model import Plan, load_plan, plan_markets
from livebase.finance.monte_carlo import simulate
from livebase.finance.scenarios import scenarios
from livebase.finance.seed_checks import checks
from livebase.finance.sensitivity import tornado
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.sessions.languages import IVS, MEDIALIVE, offered
from livebase.stores.business_figures import placed_orders, platform_counts

BrandItem = Literal["traffic", "logistics", "marketing", "payment_fees"]
REPORT_PREFIX = "reports/business-case/"


class MeasuredMarket(BaseModel):
    figures: MarketFigures
    estimate: CostEstimate

    model_config = {"arbitrary_types_allowed": True}


class BusinessCase(BaseModel):
    """What the flow returns: the headline per plan and where the report went."""

    rows: list[SummaryRow]
    report_path: str
    report_uri: str | None
    explanations: list[str]


def video_of(market: Market) -> str:
    """What carries the market's live rooms in its region (what on-air hours are priced as)."""
    if offered(IVS, market.region):
        return "ivs"
    return "medialive" if market.medialive and offered(MEDIALIVE, market.region) else "none"


@task(name="measure-market", retries=2, retry_delay_seconds=5)
def measure_market(resources: MarketResources, metric_days: int) -> MeasuredMarket:
    """The market's figures and AWS cost estimate, read in its own region (aggregates only out)."""
    market = MARKETS[resources.market]
    session = boto3.session.Session()
    counts = platform_counts(resources, session, video_of(market), metric_days)
    figures = market_figures(market.id, market.currency, placed_orders(resources), counts)
    return MeasuredMarket(
        figures=figures, estimate=estimate(market.id, market.region, list(figures.usage), load_prices())
    )


@task(name="evaluate-plan")
def evaluate_plan(key: str, plan: Plan, discount_rate: float, draws: int, seed: int, gmv_source: str) -> PlanResult:
    """Cash flow, metrics, feasibility, tornado, scenarios and Monte Carlo of one plan."""
    flow_ = cash_flow(plan)
    return PlanResult(
        key=key, name=plan.name, metrics=metrics_of(plan, flow_, discount_rate), flow=flow_,
        feasibility=assess(plan), tornado=tornado(plan, discount_rate),
        scenarios=tuple(scenarios(plan, discount_rate)), distribution=simulate(plan, draws, seed, discount_rate),
        gmv_source=gmv_source,
    )  # fmt: skip


def shaped(plan: Plan, months: int, brand_carries: list[BrandItem]) -> Plan:
    return plan.model_copy(update={"months": months, "carried_by": plan.carried_by.moving(tuple(brand_carries))})


def write_report(page: str, report_market: MarketResources | None, output_dir: Path) -> tuple[Path, str | None]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"business-case-{stamp}-{str(flow_run.id or 'local')[:8]}.html"
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / name
    path.write_text(page, encoding="utf-8")
    if report_market is None:
        return path, None
    s3 = boto3.client("s3", region_name=report_market.region)
    key = REPORT_PREFIX + name
    s3.put_object(Bucket=report_market.data_lake_bucket, Key=key, Body=page.encode("utf-8"), ContentType="text/html")
    return path, f"s3://{report_market.data_lake_bucket}/{key}"


def build_plans(
    selected: list[str],
    found: dict[str, MeasuredMarket],
    months: int,
    brand_carries: list[BrandItem],
    gmv_source: str,
    notes: list[str],
) -> dict[str, tuple[Plan, str]]:
    """The whole base's plan first, then each market's; with ``measured``, GMV from the run's orders."""
    prices = load_prices()
    base = shaped(load_plan(), months, brand_carries)
    known = set(plan_markets())
    plans: dict[str, tuple[Plan, str]] = {}
    for market in selected:
        own = load_plan(market) if market in known else base.model_copy(update={"name": market})
        plan, source = shaped(own, months, brand_carries), "plan"
        if gmv_source == "measured":
            seen = found[market].figures
            annual = annual_gmv_cny_wan(seen, prices.fx_to_cny[seen.currency].rate)
            plan, source = plan.with_base(gmv_first_year=annual), "measured"
            notes.append(
                f"{market}: first-year GMV {annual:,.2f} (10k CNY) = measured {seen.gmv} {seen.currency} over "
                f"{seen.window_days:.1f} days, annualised at the assumed fx rate"
            )
        plans[market] = (plan, source)
    if gmv_source == "measured":
        total = sum(p.gmv_first_year.base for p, _ in plans.values())
        return {"base": (base.with_base(gmv_first_year=total), "measured"), **plans}
    return {"base": (base, "plan"), **plans}


CHART_CAPTIONS = {  # chart -> artifact key, title, caption (the artifact's description)
    "cash_flow": (
        "business-case-cash-flow",
        "Cash flow",
        "Monthly free cash flow of the base (bars) and cumulative cash per plan in 10k CNY: the base a wide grey "
        "line, each market a thin dashed line with markers on top of it.",
    ),
    "tornado": (
        "business-case-tornado",
        "Tornado",
        "NPV (10k CNY) with one driver at its low and high, others at base.",
    ),
    "distribution": ("business-case-npv-distribution", "NPV distribution", "NPV (10k CNY) over triangular draws."),
}


def publish_artifacts(
    rows: list[SummaryRow],
    results: list[PlanResult],
    figures: list[MarketFigures],
    estimates: list[CostEstimate],
    charts: dict[str, bytes],
    settings: str,
) -> None:
    """The summary, provenance and cost tables, the three charts and the feasibility note."""
    base = rows[0]
    headline = (f"{base.plan}: {'feasible' if base.feasible else 'not feasible'}, NPV {base.npv_wan_cny:,.1f} "
                f"(10k CNY), P(NPV > 0) {base.p_npv_positive:.1%}")  # fmt: skip
    publish_table(
        CROSS_MARKET,
        key="business-case-summary",
        table=summary_table(rows),
        description=f"{headline}; at {settings}",
        empty=no_input("no plan evaluated"),
        first=SUMMARY_FIRST,
    )
    publish_table(
        CROSS_MARKET,
        key="business-case-measured",
        table=measured_rows(figures),
        description="Measured figures per market: measured, estimated or assumed",
        empty=no_input("no market measured"),
        last=("how",),
    )
    publish_table(
        CROSS_MARKET,
        key="business-case-aws-cost",
        table=cost_rows(estimates),
        description="AWS cost per month from usage, priced from livebase/finance/aws_prices.yaml",
        empty=no_input("no usage measured or estimated"),
        first=("market", "usage", "cost_per_month"),
        last=("how", "price"),
    )
    for chart, (key, title, caption) in CHART_CAPTIONS.items():
        publish_markdown(
            CROSS_MARKET, key=key, markdown=image_markdown(charts[chart], title, caption), description=caption
        )
    publish_markdown(
        CROSS_MARKET, key="business-case-feasibility", markdown=feasibility_markdown(results, checks()),
        description=f"Can it break even? {headline}; and the seed report's chapter 4 arithmetic, recomputed",
    )  # fmt: skip


@flow(name="business-case", log_prints=True)
def business_case(
    markets: MarketSelection | None = None,
    discount_rate: Annotated[float, Field(ge=0.15, le=0.25, description="annual DCF rate (§4.3: 15-25 %)")] = 0.20,
    months: Annotated[int, Field(ge=24, le=60, description="months of cash flow (the report plans 36)")] = 36,
    draws: Annotated[int, Field(ge=100, le=100_000, description="Monte Carlo draws per plan")] = 5000,
    seed: Annotated[int, Field(ge=0, le=2**31 - 1, description="Monte Carlo seed (same seed, same figures)")] = 20,
    gmv_source: Annotated[
        Literal["plan", "measured"],
        Field(description="first-year GMV from the plan's assumption, or the measured GMV's yearly run rate"),
    ] = "plan",
    brand_carries: Annotated[
        list[BrandItem], Field(max_length=4, description="variable cost items the brand, not the base, pays")
    ] = [],  # noqa: B006 - Prefect needs a literal default in the schema; never mutated
    metric_days: Annotated[int, Field(ge=1, le=90, description="days of CloudWatch metrics read")] = 30,
    report_market: Annotated[
        MarketId | None, Field(description="market whose data lake keeps the HTML report (default: the first)")
    ] = None,
    output_dir: Annotated[str | None, Field(max_length=500, description="local folder for the HTML report")] = None,
) -> BusinessCase:
    """The business case of the base and of each selected market (default: every selling market)."""
    selected = list(markets or SELLING_MARKET_IDS)
    resources = {m: resolve_market_resources(m) for m in selected}
    measured = {m: measure_market.submit(resources[m], metric_days) for m in selected}
    found = {m: future.result() for m, future in measured.items()}
    notes: list[str] = []
    plans = build_plans(selected, found, months, brand_carries, gmv_source, notes)
    if brand_carries:
        notes.append("the brand, not the base, pays: " + ", ".join(brand_carries))
    futures = [evaluate_plan.submit(k, p, discount_rate, draws, seed, s) for k, (p, s) in plans.items()]
    results: list[PlanResult] = [f.result() for f in futures]
    rows = [summary_row(r) for r in results]
    seed_checks = checks()
    figures = [found[m].figures for m in selected]
    estimates = [found[m].estimate for m in selected]
    charts = {"cash_flow": cash_flow_png(results), "tornado": tornado_png(results[0]),
              "distribution": distribution_png(results[0])}  # fmt: skip
    publish_artifacts(
        rows, results, figures, estimates, charts, f"{discount_rate:.0%}, {months} months, {draws} draws, seed {seed}"
    )
    page = html_report("Livebase business case", rows, results, seed_checks, figures, estimates, charts, notes)
    keeper = report_market or selected[0]
    target = resources[keeper] if keeper in resources else resolve_market_resources(keeper)
    directory = Path(output_dir) if output_dir else Path(tempfile.gettempdir()) / "livebase-business-case"
    path, uri = write_report(page, target, directory)
    headline = rows[0]
    print(f"business case: NPV {headline.npv_wan_cny:,.1f} (10k CNY) at {discount_rate:.0%}, "
          f"break-even month {headline.break_even_month}; report {path}" + (f" and {uri}" if uri else ""))  # fmt: skip
    return BusinessCase(rows=rows, report_path=str(path), report_uri=uri,
                        explanations=[line for r in results for line in r.feasibility.explanation])  # fmt: skip
