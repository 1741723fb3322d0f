"""The monthly cash flow over the plan's horizon (36 months), in the report's three phases.

Phase 1 (months 1..build_months) builds: fit-out and equipment are spent evenly over it.
Phase 2 (to operate_until_month) operates. Phase 3 expands: each new market's entry cost is
spent over the six months after phase 2. GMV grows smoothly month on month so that each
12-month year totals the first year's GMV times (1 + growth) per year, which reproduces the
report's annual figures exactly. Pre-tax; depreciation only moves EBIT, not cash.

Vectorised: every driver may be a float or a numpy array of draws (Monte Carlo), and each line
of the result is then an array of shape (draws, months).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from livebase.finance.model import VARIABLE_ITEMS, Plan

Values = Mapping[str, float | NDArray[np.float64]]
ENTRY_MONTHS = 6  # a new market's entry cost is spread over its first six months


def phase_of(month: int, plan: Plan) -> str:
    if month <= plan.build_months:
        return "build"
    return "operate" if month <= plan.operate_until_month else "expand"


@dataclass(frozen=True)
class CashFlow:
    """Monthly lines (萬元), each of shape (draws, months); month m is column m-1."""

    gmv: NDArray[np.float64]
    revenue: NDArray[np.float64]
    variable: NDArray[np.float64]
    fixed: NDArray[np.float64]
    strategic: NDArray[np.float64]
    ebitda: NDArray[np.float64]
    capex: NDArray[np.float64]
    reserve: NDArray[np.float64]
    free_cash_flow: NDArray[np.float64]
    depreciation: NDArray[np.float64]

    @property
    def months(self) -> int:
        return int(self.gmv.shape[1])


def base_values(plan: Plan) -> dict[str, float]:
    return {name: span.base for name, span in plan.drivers().items()}


def _column(values: Values, name: str) -> NDArray[np.float64]:
    return np.atleast_1d(np.asarray(values[name], dtype=np.float64))[:, None]


def monthly_gmv(first_year: NDArray[np.float64], growth: NDArray[np.float64], months: int) -> NDArray[np.float64]:
    """GMV per month: geometric month on month, each 12 months totalling first_year·(1+g)^year."""
    q = np.power(1.0 + growth, 1.0 / 12.0)
    flat = np.isclose(q, 1.0)
    safe_q = np.where(flat, 2.0, q)
    share = np.where(flat, 1.0 / 12.0, (safe_q - 1.0) / (np.power(safe_q, 12) - 1.0))
    t = np.arange(months, dtype=np.float64)[None, :]
    return first_year * share * np.power(q, t)


def cash_flow(plan: Plan, values: Values | None = None) -> CashFlow:
    """The plan's monthly cash flow; ``values`` overrides drivers' base values (floats or draws)."""
    merged: dict[str, float | NDArray[np.float64]] = dict(base_values(plan))
    merged.update(values or {})
    col = {name: _column(merged, name) for name in merged}
    months = plan.months
    month = np.arange(1, months + 1)[None, :]
    gmv = monthly_gmv(col["gmv_first_year"], col["gmv_growth"], months)
    gmv_rate = col["commission_rate"] + col["brand_sessions_rate"] + col["value_added_rate"]
    revenue = gmv * gmv_rate + col["data_services_per_year"] / 12.0
    carried = [col[f"{item}_rate"] for item in VARIABLE_ITEMS if plan.carried_by.of(item) == "base"]
    variable = gmv * (sum(carried) if carried else 0.0)
    fixed = np.broadcast_to((col["rent_per_year"] + col["team_per_year"] + col["tech_ops_per_year"]) / 12.0, gmv.shape)
    entering = (month > plan.operate_until_month) & (month <= plan.operate_until_month + ENTRY_MONTHS)
    entry = np.where(entering, col["market_entry"] * plan.expansion_markets / ENTRY_MONTHS, 0.0)
    strategic = (col["rnd_per_year"] + col["talent_per_year"]) / 12.0 + entry
    ebitda = revenue - variable - fixed - strategic
    capex = np.where(month <= plan.build_months, (col["fit_out"] + col["equipment"]) / plan.build_months, 0.0)
    reserve = col["risk_reserve_rate"] * np.maximum(revenue, 0.0)
    depreciation = np.where(
        month > plan.build_months, col["equipment"] / (plan.depreciation_years * 12.0), 0.0
    ) * np.ones_like(gmv)
    fcf = ebitda - capex - reserve
    return CashFlow(
        gmv=gmv, revenue=revenue, variable=variable, fixed=np.array(fixed), strategic=strategic,
        ebitda=ebitda, capex=capex * np.ones_like(gmv), reserve=reserve, free_cash_flow=fcf,
        depreciation=depreciation,
    )  # fmt: skip


def yearly(line: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sum a monthly line (draws, months) per 12-month year: (draws, years)."""
    draws, months = line.shape
    whole = months - months % 12
    return line[:, :whole].reshape(draws, whole // 12, 12).sum(axis=2)
