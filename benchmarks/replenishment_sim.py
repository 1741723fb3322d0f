"""Seeded simulation: the replenishment policy vs naive min/max on the same demand and lead times.

200 SKUs x 2 markets. Days 0-27 are history only (what the estimates start from), days 28-57 a
burn-in under each policy (not scored), days 58-87 the 30 scored days. Demand is negative-binomial
around a per-series rate, with intermittent series, a daily live show per market that multiplies
the demand of the SKUs it features 3-8x, and a regime change half-way (a fifth of the series fade
to half, a tenth grow by half). Lead times are drawn per (series, order day), so both policies
see the same lead time for an order placed the same day; a third of the suppliers turn erratic
and late when scoring starts. Unmet demand is lost (a live buyer goes elsewhere) but seen (carts
are), so both policies estimate from demand, not censored sales.

Policies: ``policy`` is livebase.replenishment (trailing-mean estimate, dynamic safety stock);
``minmax`` reorders at MIN days of average demand up to MAX days (30/60 by default: the "hold two
months" rule of thumb); ``minmax_lt`` is a lead-time-aware min/max (min = average demand over
lead time + 7 d, max = min + 14 d) without any safety-stock model; ``policy_forecast`` is the same
policy planning against the nightly forecast instead of the trailing mean (``livebase.forecasting``
with the live-show days as a regressor, known ahead as a session plan is, so intermittent series take
Croston/SBA/TSB with the show's uplift; the next 14 days averaged, as ``order-to-replenish`` does).
Same MOQ and case packs for all.

A forecast per series every night costs ~30 ms, 400 series x 60 nights about 12 minutes here, so
the variant forecasts every ``--forecast-every`` days (7 by default) over 14 days plus that gap and
plans each day on the part of the latest forecast from that day on (the stored forecast's window):
3,600 forecasts, the whole run about 4 minutes on a busy 2-core machine (22 s without the variant).

Run:  .venv/bin/python benchmarks/replenishment_sim.py [--seed N] [--skus 200] [--budget-factor F]
      [--forecast-every DAYS]
"""

from __future__ import annotations

import argparse
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from livebase.forecasting import ForecastResult, forecast
from livebase.replenishment import (
    Decision,
    LeadTime,
    PolicyInput,
    SkuClass,
    Supply,
    allocate,
    decide,
    from_forecast,
    round_to_pack,
    trailing_mean,
)
from livebase.replenishment.demand import DemandEstimate

HISTORY, BURN_IN, SCORED = 28, 30, 30
MARKETS = ("sea", "eu")
WINDOW = 28
DEMAND_DAYS = 14  # forecast days averaged into the demand estimate (order-to-replenish's horizon_days)
INTERMITTENT = ("CROSTON", "SBA", "TSB")
PLAN_AHEAD = 40  # days of live-show plan known past the simulated ones (a forecast's horizon reaches there)


@dataclass
class World:
    """Everything both policies share: demand, lead times, SKU terms."""

    demand: np.ndarray  # [series, day]
    lead_time: np.ndarray  # [series, day]: lead time of an order placed that day
    sku: list[str]
    market: list[str]
    supplier: list[str]
    quoted_lt: list[tuple[float, float]]
    unit_cost: list[Decimal]
    moq: list[int]
    case_pack: list[int]
    sku_class: list[SkuClass]
    live: np.ndarray  # [series, day + PLAN_AHEAD]: 1.0 on the days the series is shown in its market's live show


def build_world(seed: int, skus: int) -> World:
    rng = np.random.default_rng(seed)
    days = HISTORY + BURN_IN + SCORED
    n = skus * len(MARKETS)
    base = np.clip(rng.lognormal(np.log(3.0), 1.0, n), 0.05, 80.0)
    intermittent = rng.random(n) < 0.35
    rate = np.repeat(base[:, None], days, axis=1) * (1 + 0.1 * np.sin(2 * np.pi * np.arange(days) / 7))[None, :]
    zero_days = (rng.random((n, days)) < 0.6) & intermittent[:, None]
    rate = np.where(intermittent[:, None], np.where(zero_days, 0.0, rate / 0.4), rate)
    live = np.zeros((n, days + PLAN_AHEAD))
    for m in range(len(MARKETS)):  # one live show per market per day, featuring 10 SKUs
        rows = np.arange(m * skus, (m + 1) * skus)
        for day in range(days):
            shown = rng.choice(rows, size=10, replace=False)
            rate[shown, day] *= rng.uniform(3.0, 8.0, size=10)
            live[shown, day] = 1.0
    ahead = np.random.default_rng([seed, 1])  # the plan past the last day: its own draws, demand unchanged
    for m in range(len(MARKETS)):
        for day in range(days, days + PLAN_AHEAD):
            live[ahead.choice(np.arange(m * skus, (m + 1) * skus), size=10, replace=False), day] = 1.0
    regime = rng.random(n)
    change = HISTORY + BURN_IN // 2
    rate[regime < 0.2, change:] *= 0.5
    rate[(regime >= 0.2) & (regime < 0.3), change:] *= 1.5
    shape = 4.0  # negative binomial: gamma-mixed Poisson, variance = rate + rate^2 / shape
    demand = rng.poisson(rng.gamma(shape, np.maximum(rate, 1e-9) / shape)).astype(np.int64)

    suppliers = 25
    lt_mean = rng.uniform(3.0, 12.0, suppliers)
    erratic = rng.random(suppliers) < 0.33
    supplier_of = np.tile(rng.integers(0, suppliers, skus), len(MARKETS))
    noise = rng.standard_normal((n, days))
    stretch = rng.uniform(0.8, 2.0, (n, days))
    mean_i = lt_mean[supplier_of][:, None]
    steady = mean_i + 0.15 * mean_i * noise
    wild = mean_i * stretch + 0.5 * mean_i * noise
    after = np.arange(days)[None, :] >= HISTORY + BURN_IN
    lead = np.where(erratic[supplier_of][:, None] & after, wild, steady)
    lead = np.maximum(1, np.rint(lead)).astype(np.int64)

    price = rng.lognormal(np.log(5.0), 0.6, skus)
    revenue = demand[:, :HISTORY].mean(axis=1) * np.tile(price, len(MARKETS))
    order = np.argsort(-revenue)
    share = np.cumsum(revenue[order]) / max(revenue.sum(), 1e-9)
    classes = [SkuClass.C] * n
    for rank, i in enumerate(order):
        classes[i] = SkuClass.A if share[rank] <= 0.6 else SkuClass.B if share[rank] <= 0.9 else SkuClass.C
    packs = rng.choice([1, 6, 12, 24], size=skus, p=[0.4, 0.3, 0.2, 0.1])
    moqs = packs * rng.choice([1, 2, 4], size=skus)
    return World(
        demand=demand, lead_time=lead,
        sku=[f"SKU-{i % skus:04d}" for i in range(n)], market=[MARKETS[i // skus] for i in range(n)],
        supplier=[f"sup-{supplier_of[i]:02d}" for i in range(n)],
        quoted_lt=[(float(lt_mean[s]), float(0.15 * lt_mean[s])) for s in supplier_of],
        unit_cost=[Decimal(str(round(float(price[i % skus]) * 0.4, 2))) for i in range(n)],
        moq=[int(moqs[i % skus]) for i in range(n)], case_pack=[int(packs[i % skus]) for i in range(n)],
        sku_class=classes, live=live,
    )  # fmt: skip


@dataclass
class State:
    on_hand: list[int]
    pipeline: list[list[tuple[int, int, int]]]  # per series: (arrival day, quantity, lead time)
    recent_lt: dict[str, deque[float]] = field(default_factory=dict)  # per supplier, observed

    def on_order(self, i: int) -> int:
        return sum(q for _, q, _ in self.pipeline[i])


Rule = Callable[[World, State, int, int], Decision | int]


def _decide(
    world: World, state: State, i: int, day: int, estimate: DemandEstimate, recent_forecast: tuple[float, ...]
) -> Decision:
    """The policy's decision on ``estimate``; recent sales are set against ``recent_forecast`` (the last 7 days)."""
    seen = world.demand[i, :day]
    mean, std = world.quoted_lt[i]
    return decide(
        PolicyInput(
            sku=world.sku[i], market=world.market[i], sku_class=world.sku_class[i], demand=estimate,
            lead_time=LeadTime(mean, std, tuple(state.recent_lt.get(world.supplier[i], ()))),
            supply=Supply(world.supplier[i], world.unit_cost[i], world.moq[i], world.case_pack[i]),
            on_hand=state.on_hand[i], on_order=state.on_order(i),
            recent_sales=tuple(float(x) for x in seen[-len(recent_forecast):]) if recent_forecast else (),
            recent_forecast=recent_forecast,
        )
    )  # fmt: skip


def policy_rule(world: World, state: State, i: int, day: int) -> Decision:
    seen = world.demand[i, :day]
    earlier = trailing_mean(seen[:-7].tolist(), WINDOW)  # what was expected for the last 7 days
    return _decide(world, state, i, day, trailing_mean(seen.tolist(), WINDOW), (earlier.mean,) * 7)


@dataclass(frozen=True)
class _Window:
    """Part of a forecast, read like one (what ``from_forecast`` takes)."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    sigma: np.ndarray
    level: float


class ForecastRule:
    """The policy planning against the latest forecast, made every ``every`` days per series (cached).

    A forecast made on day ``d`` sees demand up to ``d - 1`` and the live shows planned from ``d`` on;
    on day ``d + k`` the policy averages its days ``k .. k + DEMAND_DAYS - 1``, and sets the last 7
    days' demand against what the forecasts had said for them, as the stored forecasts' ``past`` does.
    """

    def __init__(self, every: int = 7) -> None:
        if every < 1:
            raise ValueError("forecast at least every day")
        self.every = every
        self.made: dict[tuple[int, int], ForecastResult] = {}
        self.models: dict[str, int] = {}  # model family -> forecasts made with it

    def made_on(self, day: int) -> int:
        return day - (day - HISTORY) % self.every if day >= HISTORY else day

    def result(self, world: World, i: int, made_on: int) -> ForecastResult:
        found = self.made.get((i, made_on))
        if found is None:
            horizon = self.every + DEMAND_DAYS
            live = world.live[i]
            found = forecast(
                world.demand[i, :made_on].astype(float), horizon, 7,
                pd.DataFrame({"live_show": live[:made_on]}),
                pd.DataFrame({"live_show": live[made_on : made_on + horizon]}),
                exog_models=("regression",),
            )  # fmt: skip
            self.made[(i, made_on)] = found
            family = found.model.split(" ")[0].split("(")[0]
            if family in INTERMITTENT:
                family += " with the live-show uplift" if "regressor uplift" in found.model else " (no uplift yet)"
            self.models[family] = self.models.get(family, 0) + 1
        return found

    def said_for(self, world: World, i: int, day: int) -> float | None:
        """What the latest forecast made before ``day`` said for it (None before the first)."""
        if day < HISTORY:
            return None
        made_on = self.made_on(day)
        return float(self.result(world, i, made_on).mean[day - made_on])

    def __call__(self, world: World, state: State, i: int, day: int) -> Decision:
        made_on = self.made_on(day)
        result, skip = self.result(world, i, made_on), day - made_on
        cut = slice(skip, skip + DEMAND_DAYS)
        window = _Window(result.mean[cut], result.lower[cut], result.upper[cut], result.sigma[cut], result.level)
        estimate = from_forecast(window, DEMAND_DAYS, model=result.model)
        said = [self.said_for(world, i, d) for d in range(day - 7, day)]
        recent = tuple(x for x in said if x is not None) if all(x is not None for x in said) else ()
        return _decide(world, state, i, day, estimate, recent)


def minmax_rule(min_days: float, max_days: float | None) -> Rule:
    """Naive min/max on the trailing average; ``max_days=None``: lead-time-aware variant."""

    def rule(world: World, state: State, i: int, day: int) -> int:
        average = float(world.demand[i, max(0, day - WINDOW) : day].mean())
        if max_days is None:
            low = average * (world.quoted_lt[i][0] + min_days)
            high = low + average * 14
        else:
            low, high = average * min_days, average * max_days
        position = state.on_hand[i] + state.on_order(i)
        if position > low or high - position <= 0:
            return 0
        return round_to_pack(high - position, world.moq[i], world.case_pack[i])

    return rule


def initial_level(rule: Rule, world: World, i: int) -> int:
    """Each policy starts at its own target: order-up-to / max, from the history alone."""
    empty = State(on_hand=[0] * len(world.sku), pipeline=[[] for _ in world.sku])
    result = rule(world, empty, i, HISTORY)
    return math.ceil(result.order_up_to) if isinstance(result, Decision) else int(result)


def simulate(world: World, rule: Rule, budget_factor: float = 0.0) -> dict[str, float]:
    n = len(world.sku)
    state = State(on_hand=[initial_level(rule, world, i) for i in range(n)], pipeline=[[] for _ in range(n)])
    sold = lost = demand_total = stockout_days = orders = 0
    by_class = {c: [0, 0] for c in SkuClass}  # sold, demand
    inventory_units = 0.0
    inventory_value = Decimal(0)
    for day in range(HISTORY, HISTORY + BURN_IN + SCORED):
        scored = day >= HISTORY + BURN_IN
        for i in range(n):  # receipts: what the supplier really took becomes known now
            arrived = [p for p in state.pipeline[i] if p[0] <= day]
            if arrived:
                state.pipeline[i] = [p for p in state.pipeline[i] if p[0] > day]
                state.on_hand[i] += sum(q for _, q, _ in arrived)
                seen = state.recent_lt.setdefault(world.supplier[i], deque(maxlen=6))
                seen.extend(float(lead) for _, _, lead in arrived)
        for i in range(n):  # the day's demand
            want = int(world.demand[i, day])
            got = min(want, state.on_hand[i])
            state.on_hand[i] -= got
            if scored:
                sold, lost, demand_total = sold + got, lost + want - got, demand_total + want
                stockout_days += want > got
                by_class[world.sku_class[i]][0] += got
                by_class[world.sku_class[i]][1] += want
        if scored:
            inventory_units += sum(state.on_hand)
            inventory_value += sum((c * q for c, q in zip(world.unit_cost, state.on_hand, strict=True)), Decimal(0))
        results = [rule(world, state, i, day + 1) for i in range(n)]  # end-of-day review
        quantities = _quantities(results, world, budget_factor)
        for i, quantity in enumerate(quantities):
            if quantity > 0:
                lead = int(world.lead_time[i, day])
                state.pipeline[i].append((day + lead, quantity, lead))
                orders += scored
    average_units = inventory_units / SCORED
    daily_sales = sold / SCORED
    return {
        "fill_rate": sold / max(demand_total, 1),
        "stockouts": stockout_days,
        "lost_units": lost,
        "avg_inventory": average_units,
        "avg_inventory_value": float(inventory_value) / SCORED,
        "turnover_days": average_units / daily_sales if daily_sales else math.inf,
        "orders": orders,
        **{f"fill_rate_class_{c.value}": s / max(d, 1) for c, (s, d) in by_class.items()},
    }


def _quantities(results: list[Decision | int], world: World, budget_factor: float) -> list[int]:
    decisions = [r for r in results if isinstance(r, Decision)]
    if not decisions or budget_factor <= 0:
        return [r.order_qty if isinstance(r, Decision) else r for r in results]
    spend: dict[str, Decimal] = {}
    for d in decisions:  # budget: a multiple of each supplier's expected daily spend
        spend[d.supplier] = spend.get(d.supplier, Decimal(0)) + d.unit_cost * Decimal(str(d.demand.mean))
    caps = {s: v * Decimal(str(budget_factor)) for s, v in spend.items()}
    return [d.order_qty for d in allocate(decisions, caps)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--min-days", type=float, default=30.0)
    parser.add_argument("--max-days", type=float, default=60.0)
    parser.add_argument("--budget-factor", type=float, default=0.0, help="cap policy spend per supplier-day")
    parser.add_argument("--forecast-every", type=int, default=7, help="days between policy_forecast's forecasts")
    args = parser.parse_args()
    started = time.perf_counter()
    world = build_world(args.seed, args.skus)
    forecasts = ForecastRule(args.forecast_every)
    runs = {
        "policy": simulate(world, policy_rule, args.budget_factor),
        "policy_forecast": simulate(world, forecasts, args.budget_factor),
        "minmax": simulate(world, minmax_rule(args.min_days, args.max_days)),
        "minmax_lt": simulate(world, minmax_rule(7.0, None)),
    }
    print(f"# {args.skus} SKUs x {len(MARKETS)} markets, {SCORED} scored days after {BURN_IN} burn-in, "
          f"seed {args.seed}; minmax = {args.min_days:g}/{args.max_days:g} days of cover; "
          f"policy_forecast forecasts every {args.forecast_every} d")  # fmt: skip
    made = ", ".join(f"{family} {count}" for family, count in sorted(forecasts.models.items(), key=lambda kv: -kv[1]))
    print(f"# policy_forecast: {len(forecasts.made)} forecasts made; by model: {made}")
    print(f"total_demand_units: {int(world.demand[:, HISTORY + BURN_IN :].sum())}")
    for metric in runs["policy"]:
        for name, figures in runs.items():
            value = figures[metric]
            text = f"{value:.4f}" if metric.startswith("fill_rate") else f"{value:.1f}"
            print(f"{metric}_{name}: {text}")
    print(f"seconds: {time.perf_counter() - started:.1f}")


if __name__ == "__main__":
    main()
