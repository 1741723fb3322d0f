"""Whether a plan can break even, and if not, why and what would have to change.

The report's own example (§4.2) has the base carrying 30 % of GMV in variable costs against a
15 % commission: every yuan of GMV loses money, so no GMV breaks even and its formula
fixed / (commission - variable) returns a negative GMV. This module says so plainly, names the
cost items behind it, and gives the changes that would work: the commission (or the
variable-cost rate) that breaks even at the plan's final-year GMV, and the fewest variable cost
items to leave with the brand (as marketplaces usually do for fulfilment and payment fees).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from livebase.finance.cashflow import cash_flow, yearly
from livebase.finance.metrics import annual_fixed_costs, break_even_gmv, contribution_rate, gmv_revenue_rate
from livebase.finance.model import VARIABLE_ITEMS, Plan

LABELS = {"traffic": "traffic purchase", "logistics": "logistics and warehousing",
          "marketing": "marketing and promotion", "payment_fees": "payment and platform fees"}  # fmt: skip


@dataclass(frozen=True)
class Feasibility:
    feasible: bool  # some GMV breaks even (contribution margin > 0)
    reached_in_horizon: bool  # the plan's final-year GMV is at or above break-even
    contribution_rate: float
    break_even_gmv_per_year: float | None
    final_year_gmv: float
    required_commission_rate: float  # breaks even at the final-year GMV, everything else as planned
    max_variable_rate: float  # the base's variable-cost share that breaks even at the final-year GMV
    base_carries: tuple[str, ...]  # variable items the base keeps in the smallest working change
    shift_to_brand: tuple[str, ...] | None  # fewest items to leave with the brand; None if none works
    explanation: tuple[str, ...]


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def _carried(plan: Plan) -> list[str]:
    return [item for item in VARIABLE_ITEMS if plan.carried_by.of(item) == "base"]


def smallest_shift(plan: Plan, final_gmv: float) -> tuple[str, ...] | None:
    """The fewest base-carried items (then the least GMV share moved) whose moving to the brand
    lets the final-year GMV break even."""
    carried = _carried(plan)
    for size in range(0, len(carried) + 1):
        options = []
        for chosen in combinations(carried, size):
            trial = plan.model_copy(update={"carried_by": plan.carried_by.moving(chosen)})
            needed = break_even_gmv(trial)
            if needed is not None and needed <= final_gmv:
                options.append((sum(getattr(plan, f"{i}_rate").base for i in chosen), chosen))
        if options:
            return min(options)[1]
    return None


def assess(plan: Plan) -> Feasibility:
    """Can the plan break even, does it within its horizon, and what would make it."""
    final_gmv = float(yearly(cash_flow(plan).gmv)[0, -1])
    margin = contribution_rate(plan)
    fixed = annual_fixed_costs(plan)
    needed = break_even_gmv(plan)
    variable = plan.base_variable_rate()
    other = gmv_revenue_rate(plan) - plan.commission_rate.base
    per_gmv = fixed / final_gmv if final_gmv > 0 else float("inf")
    required_commission = variable - other + per_gmv
    max_variable = gmv_revenue_rate(plan) - per_gmv
    shift = smallest_shift(plan, final_gmv)
    keeps = tuple(i for i in _carried(plan) if shift is None or i not in shift)
    items = ", ".join(f"{LABELS[i]} {_pct(getattr(plan, f'{i}_rate').base)}" for i in _carried(plan)) or "none"
    lines: list[str] = []
    if margin <= 0:
        lines.append(
            f"{plan.name}: cannot break even at any GMV. Each unit of GMV earns {_pct(gmv_revenue_rate(plan))} "
            f"(commission {_pct(plan.commission_rate.base)}, brand sessions {_pct(plan.brand_sessions_rate.base)}, "
            f"value-added {_pct(plan.value_added_rate.base)}) but the base carries {_pct(variable)} of it in "
            f"variable costs ({items}): a contribution margin of {_pct(margin)}, so more GMV loses more and "
            f"fixed / (commission - variable) gives a negative GMV."
        )
    elif needed is not None and needed > final_gmv:
        lines.append(
            f"{plan.name}: breaks even at {needed:,.0f}萬 GMV a year, above the plan's final-year "
            f"{final_gmv:,.0f}萬: not within the horizon."
        )
    else:
        lines.append(
            f"{plan.name}: breaks even at {needed or 0:,.0f}萬 GMV a year (contribution margin {_pct(margin)}); "
            f"the plan's final-year GMV is {final_gmv:,.0f}萬."
        )
    if final_gmv <= 0:
        lines.append(
            "The plan has no GMV in its final year: no rate change can make it break even; the GMV must come first."
        )
    elif margin <= 0 or (needed is not None and needed > final_gmv):
        lines.append(
            f"It would break even at the final-year GMV with a commission of {_pct(required_commission)} "
            f"(planned {_pct(plan.commission_rate.base)}), or with the base's variable costs at or below "
            f"{_pct(max_variable)} of GMV (planned {_pct(variable)})."
        )
        if shift:
            lines.append(
                "Or the brand, not the base, carries "
                + ", ".join(LABELS[i] for i in shift)
                + "; the base keeps "
                + (", ".join(LABELS[i] for i in keeps) or "no variable cost")
                + "."
            )
        elif shift is None:
            lines.append("Moving every variable cost item to the brand is not enough: fixed costs exceed revenue.")
    return Feasibility(
        feasible=margin > 0,
        reached_in_horizon=needed is not None and needed <= final_gmv,
        contribution_rate=margin,
        break_even_gmv_per_year=needed,
        final_year_gmv=final_gmv,
        required_commission_rate=required_commission,
        max_variable_rate=max_variable,
        base_carries=keeps,
        shift_to_brand=shift,
        explanation=tuple(lines),
    )
