"""Optimistic / base / pessimistic (§4.3 multi-scenario analysis).

Optimistic puts every driver at the end of its range that raises NPV, pessimistic at the end
that lowers it (directions from :mod:`livebase.finance.sensitivity`), and both discount at the
plan's rate. The cash flow is monotone in each driver taken alone, so pessimistic <= base <=
optimistic holds; drivers that interact (GMV times a rate) are pushed together, as stress
tests usually do.
"""

from __future__ import annotations

from dataclasses import dataclass

from livebase.finance.cashflow import base_values, cash_flow
from livebase.finance.metrics import Metrics, metrics_of
from livebase.finance.model import Plan
from livebase.finance.sensitivity import Tornado, tornado

NAMES = ("pessimistic", "base", "optimistic")


@dataclass(frozen=True)
class Scenario:
    name: str
    values: dict[str, float]
    metrics: Metrics


def scenario_values(plan: Plan, found: Tornado, name: str) -> dict[str, float]:
    values = base_values(plan)
    if name == "base":
        return values
    for bar in found.bars:
        if bar.driver == "discount_rate":
            continue
        favourable = bar.high if bar.higher_is_better else bar.low
        unfavourable = bar.low if bar.higher_is_better else bar.high
        values[bar.driver] = favourable if name == "optimistic" else unfavourable
    return values


def scenarios(plan: Plan, discount_rate: float | None = None) -> list[Scenario]:
    """The three scenarios, pessimistic first."""
    found = tornado(plan, discount_rate)
    result = []
    for name in NAMES:
        values = scenario_values(plan, found, name)
        flow = cash_flow(plan, values)
        result.append(Scenario(name, values, metrics_of(plan.with_base(**values), flow, discount_rate)))
    return result
