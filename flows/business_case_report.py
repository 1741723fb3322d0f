"""What a founder reads after a ``business-case`` run: summary rows, three charts, one HTML page.

Charts are PNGs (matplotlib's object API: no pyplot global state, safe in task threads), shown
in the Prefect UI as ``data:`` URIs in markdown artifacts, as ``flows/replenishment_report.py``
does, and embedded the same way in the one-page HTML report, so the page is one file to send.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from flows.artifacts import money, plain
from livebase.finance.aws_costs import CostEstimate
from livebase.finance.cashflow import CashFlow
from livebase.finance.feasibility import Feasibility
from livebase.finance.measured import MarketFigures
from livebase.finance.metrics import Metrics
from livebase.finance.monte_carlo import Distribution
from livebase.finance.scenarios import Scenario
from livebase.finance.seed_checks import Check
from livebase.finance.sensitivity import Tornado

TORNADO_BARS = 10
BASE_LINE: dict[str, Any] = {"color": "black", "linewidth": 4.0, "alpha": 0.45, "linestyle": "-", "zorder": 2}
MARKET_LINES: tuple[dict[str, Any], ...] = tuple(  # thin, on top of the base's, each its own dash and marker
    {"color": colour, "linewidth": 1.5, "linestyle": dash, "marker": marker, "markevery": 3, "markersize": 4,
     "zorder": 3}
    for colour, dash, marker in (("tab:blue", "--", "o"), ("tab:orange", "-.", "s"), ("tab:purple", ":", "^"),
                                 ("tab:brown", (0, (5, 1, 1, 1)), "D"))
)  # fmt: skip


@dataclass(frozen=True)
class PlanResult:
    """Everything computed for one plan (a market's or the whole base's)."""

    key: str  # market id, or "base"
    name: str
    metrics: Metrics
    flow: CashFlow
    feasibility: Feasibility
    tornado: Tornado
    scenarios: tuple[Scenario, ...]
    distribution: Distribution
    gmv_source: str  # "plan" or "measured"


SUMMARY_FIRST = ("plan", "feasible", "npv_10k_cny", "p_npv_positive", "break_even_month")


def summary_table(rows: Sequence[SummaryRow]) -> list[dict[str, Any]]:
    """The summary artifact: can it break even and what is it worth first, money in 10k CNY, shares in %."""
    return [{
        "plan": r.plan, "feasible": r.feasible, "npv_10k_cny": f"{r.npv_wan_cny:,.1f}",
        "p_npv_positive": f"{r.p_npv_positive:.1%}", "break_even_month": r.break_even_month, "irr": r.irr,
        "npv_pessimistic_10k_cny": f"{r.npv_pessimistic:,.1f}", "npv_optimistic_10k_cny": f"{r.npv_optimistic:,.1f}",
        "break_even_gmv_10k_cny_per_year": r.break_even_gmv_wan_per_year,
        "discounted_payback_months": r.discounted_payback_months,
        "ebitda_margin_final_year": r.ebitda_margin_final_year,
        "gmv_first_year_from": r.gmv_first_year_from,
    } for r in rows]  # fmt: skip


class SummaryRow(BaseModel):
    """One plan's headline, as the table artifact shows it (and the flow returns it)."""

    plan: str
    npv_wan_cny: float
    irr: str
    break_even_month: str
    break_even_gmv_wan_per_year: str
    discounted_payback_months: str
    ebitda_margin_final_year: str
    p_npv_positive: float
    npv_pessimistic: float
    npv_optimistic: float
    feasible: bool
    gmv_first_year_from: str


def _or_dash(value: float | None, form: str) -> str:
    return "-" if value is None else format(value, form)


def summary_row(result: PlanResult) -> SummaryRow:
    m = result.metrics
    low, _, high = (s.metrics.npv for s in result.scenarios)
    return SummaryRow(
        plan=result.key, npv_wan_cny=round(m.npv, 1), irr=_or_dash(m.irr, ".1%"),
        break_even_month=_or_dash(m.break_even_month, "d") if m.break_even_month else "not within horizon",
        break_even_gmv_wan_per_year=_or_dash(m.break_even_gmv_per_year, ",.0f")
        if m.break_even_gmv_per_year is not None else "none (contribution <= 0)",
        discounted_payback_months=_or_dash(m.discounted_payback_months, ".1f"),
        ebitda_margin_final_year=format(m.ebitda_margin_by_year[-1], ".1%") if m.ebitda_margin_by_year else "-",
        p_npv_positive=round(result.distribution.p_positive, 4), npv_pessimistic=round(low, 1),
        npv_optimistic=round(high, 1), feasible=result.feasibility.feasible, gmv_first_year_from=result.gmv_source,
    )  # fmt: skip


def _png(figure: object) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")  # type: ignore[attr-defined]
    return buffer.getvalue()


def cash_flow_png(results: Sequence[PlanResult]) -> bytes:
    return _png(cash_flow_figure(results))


def cash_flow_figure(results: Sequence[PlanResult]) -> Any:
    """Monthly free cash flow of the whole base (bars) and every plan's cumulative cash (lines).

    The base's line is wide, dark and under the others; each market's is thin, with its own dash and
    marker on top: a market whose figures equal the base's (one market selected) still shows both."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=80)
    axis = figure.subplots()
    base = results[0]
    months = np.arange(1, base.flow.months + 1)
    monthly = base.flow.free_cash_flow[0]
    axis.bar(months, monthly, color=np.where(monthly >= 0, "tab:green", "tab:red"), alpha=0.4,
             label=f"{base.key}: monthly free cash flow")  # fmt: skip
    for index, result in enumerate(results):
        style = BASE_LINE if index == 0 else MARKET_LINES[(index - 1) % len(MARKET_LINES)]
        axis.plot(np.arange(1, result.flow.months + 1), np.cumsum(result.flow.free_cash_flow[0]),
                  label=f"{result.key}: cumulative", **style)  # fmt: skip
    for edge in (6.5, 18.5):
        axis.axvline(edge, color="grey", linestyle=":", linewidth=0.8)
    axis.axhline(0, color="black", linewidth=0.5)
    axis.set_xlabel("month (phases: build 1-6, operate 7-18, expand 19-36)")
    axis.set_ylabel("10k CNY")
    axis.set_title("Cash flow", fontsize=10)
    axis.legend(fontsize=7, loc="best")
    figure.tight_layout()
    return figure


def tornado_png(result: PlanResult) -> bytes:
    from matplotlib.figure import Figure

    bars = list(result.tornado.bars[:TORNADO_BARS])[::-1]
    figure = Figure(figsize=(8, 0.4 * len(bars) + 1.2), dpi=80)
    axis = figure.subplots()
    centre = result.tornado.base_npv
    for row, bar in enumerate(bars):
        axis.barh(row, bar.npv_at_low - centre, left=centre, color="tab:blue", alpha=0.7)
        axis.barh(row, bar.npv_at_high - centre, left=centre, color="tab:orange", alpha=0.7)
    axis.set_yticks(range(len(bars)), [f"{b.driver} ({b.low:g} / {b.high:g})" for b in bars], fontsize=7)
    axis.axvline(centre, color="black", linewidth=0.8)
    axis.set_xlabel("NPV, 10k CNY (blue: driver at its low value, orange: at its high value)")
    axis.set_title(f"{result.key}: sensitivity of NPV, one driver at a time", fontsize=10)
    figure.tight_layout()
    return _png(figure)


def distribution_png(result: PlanResult) -> bytes:
    from matplotlib.figure import Figure

    found = result.distribution
    figure = Figure(figsize=(8, 3.2), dpi=80)
    axis = figure.subplots()
    axis.hist(found.npv, bins=50, color="tab:purple", alpha=0.7)
    axis.axvline(0, color="black", linewidth=0.8)
    axis.axvline(found.p50, color="tab:red", linestyle="--", label=f"median {found.p50:,.0f}")
    axis.set_xlabel("NPV, 10k CNY")
    axis.set_ylabel("draws")
    axis.set_title(f"{result.key}: NPV over {found.draws} draws (seed {found.seed}), "
                   f"P(NPV > 0) = {found.p_positive:.1%}", fontsize=10)  # fmt: skip
    axis.legend(fontsize=7)
    figure.tight_layout()
    return _png(figure)


def image_markdown(png: bytes, title: str, caption: str) -> str:
    encoded = base64.b64encode(png).decode("ascii")
    return f"### {title}\n\n{caption}\n\n![{title}](data:image/png;base64,{encoded})\n"


def feasibility_markdown(results: Sequence[PlanResult], checks: Sequence[Check]) -> str:
    lines = ["### Can it break even?", ""]
    for result in results:
        lines += [f"- {line}" for line in result.feasibility.explanation]
    lines += ["", "### The seed report's own chapter 4 arithmetic, recomputed", "",
              "| section | claim | stated | computed | holds | note |", "|---|---|---|---|---|---|"]  # fmt: skip
    for check in checks:
        stated = "-" if check.stated is None else f"{check.stated:,.2f}"
        lines.append(f"| {check.section} | {check.claim} | {stated} | {check.computed:,.2f} | "
                     f"{'yes' if check.holds else 'NO'} | {check.note} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def measured_rows(figures: Sequence[MarketFigures]) -> list[dict[str, str]]:
    return [
        {"market": f.market, "figure": fig.name, "value": "-" if fig.value is None else f"{fig.value:,.4g}",
         "unit": fig.unit, "source": fig.source, "how": fig.how}
        for f in figures for fig in f.figures
    ]  # fmt: skip


def cost_rows(estimates: Sequence[CostEstimate]) -> list[dict[str, str]]:
    return [
        {"market": e.market, "usage": line.usage.name, "cost_per_month": money(line.usd, "USD"),
         "per_month": f"{line.usage.quantity:,.4g}", "source": line.usage.source, "region": e.region,
         "how": line.usage.how, "price": line.price_source}
        for e in estimates for line in e.lines
    ]  # fmt: skip


def _table(rows: Sequence[Mapping[str, object]]) -> str:
    if not rows:
        return "<p>none</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def html_report(
    title: str, rows: Sequence[SummaryRow], results: Sequence[PlanResult], checks: Sequence[Check],
    figures: Sequence[MarketFigures], estimates: Sequence[CostEstimate], charts: dict[str, bytes], notes: Sequence[str],
) -> str:  # fmt: skip
    """The one-page report: headline table, charts, feasibility, the report's arithmetic, provenance."""
    explanations = "".join(f"<li>{html.escape(line)}</li>" for r in results for line in r.feasibility.explanation)
    check_rows = [{"section": c.section, "claim": c.claim, "stated": "-" if c.stated is None else f"{c.stated:,.2f}",
                   "computed": f"{c.computed:,.2f}", "holds": "yes" if c.holds else "NO", "note": c.note}
                  for c in checks]  # fmt: skip
    totals = [{"market": e.market, "region": e.region, "cost_per_month": money(e.usd, "USD")} for e in estimates]
    return plain(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:1em auto;font-size:13px}}
table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:2px 5px;text-align:left}}
img{{max-width:100%}}h2{{margin-top:1.2em}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Money in 10k CNY (units of 10,000 CNY, the seed report's unit), pre-tax. Assumptions from the seed
report's chapter 4 (each field cites its
section in <code>livebase/finance/model.py</code>); measured figures from this platform's own tables, each
marked measured, estimated or assumed below.</p>
<ul>{"".join(f"<li>{html.escape(n)}</li>" for n in notes)}</ul>
<h2>Headline</h2>{_table(summary_table(rows))}
<h2>Can it break even?</h2><ul>{explanations}</ul>
<h2>Cash flow</h2>{_img(charts["cash_flow"], "cash flow")}
<h2>Sensitivity</h2>{_img(charts["tornado"], "tornado")}
<h2>Monte Carlo</h2>{_img(charts["distribution"], "NPV distribution")}
<h2>The seed report's arithmetic, recomputed</h2>{_table(check_rows)}
<h2>Measured figures</h2>{_table(measured_rows(figures))}
<h2>AWS cost estimate (USD per month)</h2>{_table(totals)}{_table(cost_rows(estimates))}
</body></html>
""")  # the seed report's 萬 and 億 written out: the page renders without CJK fonts
