"""``./livebase business-case``: the plan's headline, why it does or does not break even, and the
seed report's own arithmetic recomputed, from the YAML alone (no AWS, no Prefect: seconds).

The measured version (GMV, conversion and AWS cost from the platform's own tables, charts,
Monte Carlo, HTML report) is the ``business-case`` Prefect deployment (``flows/business_case.py``).
Host fees, returns and payment fees come from the settlement ledger of the demo's day when
``./livebase demo`` saved it (``.livebase/settlement/<market>.json``, aggregates only), each figure
beside the plan's assumption and marked measured or assumed (``livebase.finance.settled``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from livebase.finance.feasibility import assess
from livebase.finance.metrics import metrics_of
from livebase.finance.model import Plan, PlanError, load_plan
from livebase.finance.monte_carlo import simulate
from livebase.finance.scenarios import scenarios
from livebase.finance.seed_checks import checks
from livebase.finance.settled import LedgerDay, settled_figures, variable_rate_on_ledger

SETTLED_DIR = (
    Path(os.environ.get("LIVEBASE_STATE_DIR", Path(__file__).resolve().parents[2] / ".livebase")) / "settlement"
)


def headline(plan: Plan, discount_rate: float | None = None) -> str:
    """One line: NPV, IRR and break-even month of the plan."""
    found = metrics_of(plan, discount_rate=discount_rate)
    irr = "none" if found.irr is None else f"{found.irr:.1%}"
    month = "not within the horizon" if found.break_even_month is None else f"month {found.break_even_month}"
    return (
        f"{plan.name}: NPV {found.npv:,.0f} (10k CNY) at {found.discount_rate:.0%} over {plan.months} months, "
        f"IRR {irr}, EBITDA break-even {month}"
    )


def demo_line() -> str:
    """The demo's closing line: the whole base's headline and where the full case lives."""
    plan = load_plan()
    return f"business case: {headline(plan)} (`./livebase business-case` says why; deployment business-case)"


def run_business_case(
    market: str | None, brand_carries: list[str], discount_rate: float | None, path: Path | None, draws: int
) -> int:
    if discount_rate is not None and not 0.05 <= discount_rate <= 0.4:
        print(
            f"livebase: --discount-rate {discount_rate}: needs 0.05 to 0.4 (the report uses 0.15-0.25)", file=sys.stderr
        )
        return 2
    if not 100 <= draws <= 100_000:
        print(f"livebase: --draws {draws}: needs 100 to 100000", file=sys.stderr)
        return 2
    try:
        plan = load_plan(market, path)
        plan = plan.model_copy(update={"carried_by": plan.carried_by.moving(tuple(brand_carries))})
    except PlanError as error:
        print(f"livebase: {error}", file=sys.stderr)
        return 2
    print(headline(plan, discount_rate))
    for line in assess(plan).explanation:
        print(f"  {line}")
    low, base, high = scenarios(plan, discount_rate)
    spread = simulate(plan, draws, seed=20, discount_rate=discount_rate)
    print(f"  scenarios NPV: pessimistic {low.metrics.npv:,.0f}, base {base.metrics.npv:,.0f}, "
          f"optimistic {high.metrics.npv:,.0f}; P(NPV > 0) = {spread.p_positive:.1%} over {draws} draws")  # fmt: skip
    print("The seed report's chapter 4 arithmetic, recomputed:")
    for check in checks():
        stated = "" if check.stated is None else f"stated {check.stated:,.2f}, "
        verdict = "holds" if check.holds else "DOES NOT HOLD"
        print(f"  {check.section} {check.claim}: {stated}computed {check.computed:,.2f}: {verdict}"
              + (f" ({check.note})" if check.note else ""))  # fmt: skip
    for line in settled_lines(plan, market):
        print(line)
    print("Measured figures, charts and the HTML report: the `business-case` Prefect deployment (./livebase up).")
    return 0


def ledger_days(market: str | None, directory: Path = SETTLED_DIR) -> list[LedgerDay]:
    """The demo's settled days saved under ``directory`` (``market``'s, or every market's)."""
    paths = [directory / f"{market}.json"] if market else sorted(directory.glob("*.json"))
    return [LedgerDay.from_json(p.read_text(encoding="utf-8")) for p in paths if p.is_file()]


def settled_lines(plan: Plan, market: str | None, directory: Path = SETTLED_DIR) -> list[str]:
    """Host fees, returns and payment fees: from the demo day's ledger (measured) beside the plan (assumed)."""
    days = ledger_days(market, directory)
    lines = ["Host fees, returns and payment fees (the settlement ledger, issue 33):"]
    if not days:
        lines.append("  no settled day saved yet (`./livebase demo` saves its ledger): every figure below is assumed")
        lines += [_figure_line(f.name, f.value, f.source, f.how) for f in settled_figures(None, plan)]
        return lines
    for day in days:
        lines.append(f"  {day.market} ({day.currency}), {day.day}: GMV {day.captured} settled")
        lines += [_figure_line(f.name, f.value, f.source, f.how) for f in settled_figures(day, plan)]
        rate = variable_rate_on_ledger(day, plan)
        if rate is not None:
            verdict = "above" if rate > plan.commission_rate.base else "below"
            lines.append(f"    with these (traffic and marketing still assumed) the base's variable costs are "
                         f"{rate:.1%} of GMV, {verdict} the plan's {plan.commission_rate.base:.0%} "
                         "commission")  # fmt: skip
    return lines


def _figure_line(name: str, value: float | None, source: str, how: str) -> str:
    shown = "unknown" if value is None else f"{value:.2%}"
    return f"    {name}: {shown} [{source}] {how}"
