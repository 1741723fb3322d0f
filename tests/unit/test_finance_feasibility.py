"""The report's infeasible case explained, its own arithmetic checked, scenarios, Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest

from livebase.finance.feasibility import assess
from livebase.finance.metrics import break_even_gmv
from livebase.finance.model import load_plan
from livebase.finance.monte_carlo import simulate
from livebase.finance.scenarios import scenarios
from livebase.finance.seed_checks import EXAMPLE_STATED_NPV, checks, example_flows
from livebase.finance.sensitivity import tornado


def test_the_reports_variable_cost_above_commission_case_is_explained() -> None:
    # §4.2: variable 30 % of GMV above a 15 % commission; here the plan's defaults (32 % vs 17.2 %)
    plan = load_plan()
    found = assess(plan)
    assert not found.feasible and not found.reached_in_horizon
    text = " ".join(found.explanation)
    assert "cannot break even at any GMV" in text
    assert "negative GMV" in text
    assert "commission of" in text and "brand, not the base, carries" in text
    # the stated remedies really work
    assert found.shift_to_brand is not None
    moved = plan.model_copy(update={"carried_by": plan.carried_by.moving(found.shift_to_brand)})
    needed = break_even_gmv(moved)
    assert needed is not None and needed <= found.final_year_gmv
    at_commission = plan.with_base(commission_rate=found.required_commission_rate)
    assert break_even_gmv(at_commission) == pytest.approx(found.final_year_gmv)


def test_a_feasible_plan_says_where_it_breaks_even() -> None:
    plan = load_plan()
    moved = plan.model_copy(update={"carried_by": plan.carried_by.moving(("traffic", "logistics", "payment_fees"))})
    found = assess(moved)
    assert found.feasible and found.reached_in_horizon and found.shift_to_brand == ()
    assert "breaks even at" in found.explanation[0]


def test_the_reports_three_year_example_is_reproduced_and_its_npv_does_not_hold() -> None:
    assert example_flows() == (-700.0, -400.0, 500.0)
    by_claim = {c.claim: c for c in checks()}
    npv_check = by_claim["NPV at 20 % about -1500萬 (end-of-year flows)"]
    # independent: -700/1.2 - 400/1.2^2 + 500/1.2^3
    assert npv_check.computed == pytest.approx(-700 / 1.2 - 400 / 1.44 + 500 / 1.728)
    assert npv_check.computed == pytest.approx(-571.76, abs=0.01)
    assert npv_check.stated == EXAMPLE_STATED_NPV and not npv_check.holds
    assert by_claim["break-even GMV = 1000 / (0.15 - 0.30) = -6667萬"].computed == pytest.approx(-6666.67, abs=0.01)
    assert by_claim["break even in year 2 and +1500萬 in year 3 turns NPV positive"].holds


def test_scenarios_are_ordered_pessimistic_base_optimistic() -> None:
    for plan in (load_plan(), load_plan("eu")):
        for carriers in ((), ("logistics", "payment_fees"), ("logistics", "marketing", "traffic")):
            trial = plan.model_copy(update={"carried_by": plan.carried_by.moving(carriers)})
            low, base, high = (s.metrics.npv for s in scenarios(trial))
            assert low <= base <= high


def test_tornado_puts_the_widest_swing_first_and_base_npv_in_every_bar() -> None:
    found = tornado(load_plan())
    swings = [bar.swing for bar in found.bars]
    assert swings == sorted(swings, reverse=True)
    # in the infeasible plan more GMV loses more: a higher first-year GMV lowers NPV
    gmv = next(bar for bar in found.bars if bar.driver == "gmv_first_year")
    assert not gmv.higher_is_better
    for bar in found.bars:
        assert min(bar.npv_at_low, bar.npv_at_high) <= found.base_npv + 1e-6 <= max(bar.npv_at_low, bar.npv_at_high)


def test_monte_carlo_is_seeded_and_bounded_by_the_scenarios() -> None:
    plan = load_plan()
    plan = plan.model_copy(update={"carried_by": plan.carried_by.moving(("logistics", "payment_fees"))})
    first, again = simulate(plan, 2000, seed=7, discount_rate=0.2), simulate(plan, 2000, seed=7, discount_rate=0.2)
    assert np.array_equal(first.npv, again.npv)
    assert 0.0 <= first.p_positive <= 1.0 and first.p5 <= first.p50 <= first.p95
    low, _, high = (s.metrics.npv for s in scenarios(plan, 0.2))
    assert low - 1e-6 <= first.npv.min() and first.npv.max() <= high + 1e-6
    assert first.p_positive == pytest.approx(float((first.npv > 0).mean()))


def test_a_plan_without_gmv_says_so_rather_than_quoting_an_infinite_rate() -> None:
    found = assess(load_plan().with_base(gmv_first_year=0.0))
    assert not found.reached_in_horizon
    assert "no GMV in its final year" in " ".join(found.explanation)
    assert "inf" not in " ".join(found.explanation)
