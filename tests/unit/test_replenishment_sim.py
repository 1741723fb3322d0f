"""The replenishment benchmark's bookkeeping (not its figures): seeded, conserving, same demand for all."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

# Imported by name at run time: benchmarks/ is scripts, not a package, and a static import would
# make ``mypy .`` see the file twice (as ``replenishment_sim`` and ``benchmarks.replenishment_sim``).
sim: Any = importlib.import_module("benchmarks.replenishment_sim")
BURN_IN, HISTORY = sim.BURN_IN, sim.HISTORY
build_world, minmax_rule, policy_rule, simulate = (
    sim.build_world,
    sim.minmax_rule,
    sim.policy_rule,
    sim.simulate,
)


@pytest.fixture(scope="module")
def world() -> Any:
    return build_world(seed=7, skus=20)


def test_world_is_seeded(world: Any) -> None:
    again = build_world(seed=7, skus=20)
    assert np.array_equal(world.demand, again.demand) and np.array_equal(world.lead_time, again.lead_time)
    assert not np.array_equal(world.demand, build_world(seed=8, skus=20).demand)
    assert (world.demand >= 0).all() and (world.lead_time >= 1).all()
    assert {c.value for c in world.sku_class} == {"A", "B", "C"}


@pytest.mark.parametrize("rule", [policy_rule, minmax_rule(30, 60), minmax_rule(7, None)])
def test_every_unit_of_demand_is_sold_or_lost(world: Any, rule: Any) -> None:
    figures = simulate(world, rule)
    demand = int(world.demand[:, HISTORY + BURN_IN :].sum())
    sold = round(figures["fill_rate"] * demand)
    assert sold + figures["lost_units"] == demand
    assert 0 <= figures["fill_rate"] <= 1 and figures["avg_inventory"] >= 0
    assert figures["turnover_days"] == pytest.approx(figures["avg_inventory"] / (sold / 30))
    assert simulate(world, rule) == figures  # deterministic


def test_the_forecast_policy_plans_on_the_live_show_forecast_and_conserves_units(world: Any) -> None:
    shows = world.live[:, : world.demand.shape[1]]
    assert (shows.sum(axis=0) == 20).all()  # 10 SKUs shown per market and day, as the demand saw them
    rule = sim.ForecastRule(every=14)
    figures = simulate(world, rule)
    demand = int(world.demand[:, HISTORY + BURN_IN :].sum())
    assert round(figures["fill_rate"] * demand) + figures["lost_units"] == demand
    assert sum(rule.models.values()) == len(rule.made) > 0
    assert any("live-show uplift" in family for family in rule.models)  # intermittent series, regressor on
    assert simulate(world, rule) == figures  # deterministic (its forecasts made once, kept)
