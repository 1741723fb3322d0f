"""Investment metrics: NPV, IRR, discounted payback, contribution margin, break-even, EBITDA margin.

Conventions, stated once: ``flows[0]`` falls at the end of period ``first_period`` (1: end of the
first period, as the report's example; 0: today, the textbook ``-investment`` first). NPV and IRR
go through numpy-financial; a monthly IRR is annualised as (1 + m)^12 - 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy_financial as npf
from numpy.typing import NDArray

from livebase.finance.cashflow import CashFlow, cash_flow, yearly
from livebase.finance.model import Plan


def monthly_rate(annual: float) -> float:
    return float((1.0 + annual) ** (1.0 / 12.0) - 1.0)


def npv(rate: float, flows: Sequence[float], first_period: int = 0) -> float:
    """Net present value at ``rate`` per period; ``flows[0]`` at the end of ``first_period``."""
    padded = [0.0] * first_period + [float(f) for f in flows]
    return float(npf.npv(rate, padded))


def irr(flows: Sequence[float]) -> float | None:
    """Internal rate of return per period; None when the flows never change sign (no IRR)."""
    values = [float(f) for f in flows]
    if not (any(v < 0 for v in values) and any(v > 0 for v in values)):
        return None
    found = float(npf.irr(values))
    return None if math.isnan(found) else found


def discounted_payback(rate: float, flows: Sequence[float], first_period: int = 0) -> float | None:
    """Periods until the cumulative discounted flows turn non-negative (interpolated within the
    period), counted from today; None when they never do within the flows."""
    cumulative = 0.0
    for index, flow in enumerate(flows):
        period = index + first_period
        present = float(flow) / (1.0 + rate) ** period
        if cumulative < 0 <= cumulative + present and present > 0:
            return period - 1 + (-cumulative / present)
        cumulative += present
        if index == 0 and cumulative >= 0:
            return float(period)
    return None


def npv_draws(annual_rate: float, monthly_flows: NDArray[np.float64]) -> NDArray[np.float64]:
    """NPV of each row of end-of-month flows (draws, months): the Monte Carlo's vectorised form."""
    rate = monthly_rate(annual_rate)
    months = np.arange(1, monthly_flows.shape[1] + 1, dtype=np.float64)
    return np.asarray(monthly_flows @ np.power(1.0 + rate, -months), dtype=np.float64)


def gmv_revenue_rate(plan: Plan) -> float:
    """Revenue earned per unit of GMV (commission, brand sessions, value-added services)."""
    return plan.commission_rate.base + plan.brand_sessions_rate.base + plan.value_added_rate.base


def contribution_rate(plan: Plan) -> float:
    """Contribution margin per unit of GMV: what each yuan of GMV leaves after the base's variable costs."""
    return gmv_revenue_rate(plan) - plan.base_variable_rate()


def annual_fixed_costs(plan: Plan) -> float:
    """Cash fixed and strategic running costs a year, less data-service revenue (not tied to GMV)."""
    running = (
        plan.rent_per_year.base + plan.team_per_year.base + plan.tech_ops_per_year.base
        + plan.rnd_per_year.base + plan.talent_per_year.base
    )  # fmt: skip
    return running - plan.data_services_per_year.base


def report_break_even(fixed: float, commission_rate: float, variable_rate: float) -> float:
    """The report's formula as written (§4.2): fixed / (commission - variable). Negative means
    no GMV breaks even; kept only to reproduce the report, see :func:`break_even_gmv`."""
    return fixed / (commission_rate - variable_rate)


def break_even_gmv(plan: Plan) -> float | None:
    """Annual GMV at which EBITDA is zero; None when each unit of GMV loses money (no break-even)."""
    margin = contribution_rate(plan)
    fixed = annual_fixed_costs(plan)
    if margin <= 0:
        return None if fixed > 0 else 0.0
    return max(fixed, 0.0) / margin


@dataclass(frozen=True)
class Metrics:
    """The headline of one plan (money in 萬元; rates per year)."""

    npv: float
    irr: float | None
    discounted_payback_months: float | None
    payback_months: int | None
    break_even_month: int | None
    break_even_gmv_per_year: float | None
    contribution_rate: float
    ebitda_margin_by_year: tuple[float, ...]
    peak_funding: float
    discount_rate: float


def first_month(condition: NDArray[np.bool_]) -> int | None:
    hits = np.flatnonzero(condition)
    return int(hits[0]) + 1 if hits.size else None


def metrics_of(plan: Plan, flow: CashFlow | None = None, discount_rate: float | None = None) -> Metrics:
    """Headline metrics of the plan's (first-draw) monthly cash flow."""
    flow = flow or cash_flow(plan)
    rate = plan.discount_rate.base if discount_rate is None else discount_rate
    fcf = [float(v) for v in flow.free_cash_flow[0]]
    monthly = monthly_rate(rate)
    monthly_irr = irr(fcf)
    cumulative = np.cumsum(flow.free_cash_flow[0])
    revenue, ebitda = yearly(flow.revenue)[0], yearly(flow.ebitda)[0]
    return Metrics(
        npv=npv(monthly, fcf, first_period=1),
        irr=None if monthly_irr is None else (1.0 + monthly_irr) ** 12 - 1.0,
        discounted_payback_months=discounted_payback(monthly, fcf, first_period=1),
        payback_months=first_month((cumulative >= 0) & (np.arange(len(fcf)) > 0)),
        break_even_month=first_month(flow.ebitda[0] >= 0),
        break_even_gmv_per_year=break_even_gmv(plan),
        contribution_rate=contribution_rate(plan),
        ebitda_margin_by_year=tuple(float(e / r) if r else 0.0 for e, r in zip(ebitda, revenue, strict=True)),
        peak_funding=float(-min(0.0, float(cumulative.min()))),
        discount_rate=rate,
    )
