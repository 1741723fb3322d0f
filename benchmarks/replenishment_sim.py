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
lead time + 7 d, max = min + 14 d) without any safety-stock model. Same MOQ and case packs for all.

Run:  .venv/bin/python benchmarks/replenishment_sim.py [--seed N] [--skus 200] [--budget-factor F]
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

from livebase.replenishment import (
    Decision,
    LeadTime,
    PolicyInput,
    SkuClass,
    Supply,
    allocate,
    decide,
    round_to_pack,
    trailing_mean,
)

HISTORY, BURN_IN, SCORED = 28, 30, 30
MARKETS = ("sea", "eu")
WINDOW = 28


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


def build_world(seed: int, skus: int) -> World:
    rng = np.random.default_rng(seed)
    days = HISTORY + BURN_IN + SCORED
    n = skus * len(MARKETS)
    base = np.clip(rng.lognormal(np.log(3.0), 1.0, n), 0.05, 80.0)
    intermittent = rng.random(n) < 0.35
    rate = np.repeat(base[:, None], days, axis=1) * (1 + 0.1 * np.sin(2 * np.pi * np.arange(days) / 7))[None, :]
    zero_days = (rng.random((n, days)) < 0.6) & intermittent[:, None]
    rate = np.where(intermittent[:, None], np.where(zero_days, 0.0, rate / 0.4), rate)
    for m in range(len(MARKETS)):  # one live show per market per day, featuring 10 SKUs
        rows = np.arange(m * skus, (m + 1) * skus)
        for day in range(days):
            shown = rng.choice(rows, size=10, replace=False)
            rate[shown, day] *= rng.uniform(3.0, 8.0, size=10)
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
        sku_class=classes,
    )  # fmt: skip


@dataclass
class State:
    on_hand: list[int]
    pipeline: list[list[tuple[int, int, int]]]  # per series: (arrival day, quantity, lead time)
    recent_lt: dict[str, deque[float]] = field(default_factory=dict)  # per supplier, observed

    def on_order(self, i: int) -> int:
        return sum(q for _, q, _ in self.pipeline[i])


Rule = Callable[[World, State, int, int], Decision | int]


def policy_rule(world: World, state: State, i: int, day: int) -> Decision:
    seen = world.demand[i, :day]
    estimate = trailing_mean(seen.tolist(), WINDOW)
    earlier = trailing_mean(seen[:-7].tolist(), WINDOW)  # what was expected for the last 7 days
    mean, std = world.quoted_lt[i]
    return decide(
        PolicyInput(
            sku=world.sku[i], market=world.market[i], sku_class=world.sku_class[i], demand=estimate,
            lead_time=LeadTime(mean, std, tuple(state.recent_lt.get(world.supplier[i], ()))),
            supply=Supply(world.supplier[i], world.unit_cost[i], world.moq[i], world.case_pack[i]),
            on_hand=state.on_hand[i], on_order=state.on_order(i),
            recent_sales=tuple(float(x) for x in seen[-7:]), recent_forecast=(earlier.mean,) * 7,
        )
    )  # fmt: skip


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
    args = parser.parse_args()
    started = time.perf_counter()
    world = build_world(args.seed, args.skus)
    runs = {
        "policy": simulate(world, policy_rule, args.budget_factor),
        "minmax": simulate(world, minmax_rule(args.min_days, args.max_days)),
        "minmax_lt": simulate(world, minmax_rule(7.0, None)),
    }
    print(f"# {args.skus} SKUs x {len(MARKETS)} markets, {SCORED} scored days after {BURN_IN} burn-in, "
          f"seed {args.seed}; minmax = {args.min_days:g}/{args.max_days:g} days of cover")  # fmt: skip
    print(f"total_demand_units: {int(world.demand[:, HISTORY + BURN_IN :].sum())}")
    for metric in runs["policy"]:
        for name, figures in runs.items():
            value = figures[metric]
            text = f"{value:.4f}" if metric.startswith("fill_rate") else f"{value:.1f}"
            print(f"{metric}_{name}: {text}")
    print(f"seconds: {time.perf_counter() - started:.1f}")


if __name__ == "__main__":
    main()
