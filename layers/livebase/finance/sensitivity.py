"""One driver at a time over its range (the report's §4.3 sensitivity), as tornado data.

Every other driver stays at its base value; the swing is |NPV(high) - NPV(low)|. The direction
found here (does a higher value raise NPV?) is also what the scenarios use for "favourable",
so a plan that loses money on each unit of GMV rightly treats more GMV as unfavourable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livebase.finance.cashflow import base_values, cash_flow
from livebase.finance.metrics import npv_draws
from livebase.finance.model import Plan


@dataclass(frozen=True)
class Bar:
    """One driver's tornado bar: NPV with the driver at its low and at its high value."""

    driver: str
    low: float
    high: float
    npv_at_low: float
    npv_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.npv_at_high - self.npv_at_low)

    @property
    def higher_is_better(self) -> bool:
        return self.npv_at_high >= self.npv_at_low


@dataclass(frozen=True)
class Tornado:
    base_npv: float
    bars: tuple[Bar, ...]  # widest swing first


def tornado(plan: Plan, discount_rate: float | None = None) -> Tornado:
    """NPV at each driver's low and high, the others at base: one vectorised cash flow for all."""
    rate = plan.discount_rate.base if discount_rate is None else discount_rate
    spans = {name: span for name, span in plan.drivers().items() if name != "discount_rate"}
    names = list(spans)
    base = base_values(plan)
    rows = 1 + 2 * len(names)
    values = {name: np.full(rows, value) for name, value in base.items()}
    for index, name in enumerate(names):
        values[name][1 + 2 * index] = spans[name].low
        values[name][2 + 2 * index] = spans[name].high
    results = npv_draws(rate, cash_flow(plan, values).free_cash_flow)
    bars = [
        Bar(name, spans[name].low, spans[name].high, float(results[1 + 2 * i]), float(results[2 + 2 * i]))
        for i, name in enumerate(names)
    ]
    rate_span = plan.discount_rate
    flows = cash_flow(plan).free_cash_flow
    bars.append(
        Bar("discount_rate", rate_span.low, rate_span.high,
            float(npv_draws(rate_span.low, flows)[0]), float(npv_draws(rate_span.high, flows)[0]))
    )  # fmt: skip
    bars.sort(key=lambda bar: bar.swing, reverse=True)
    return Tornado(base_npv=float(results[0]), bars=tuple(bars))
