"""NPV, IRR, discounted payback and break-even against independent textbook computations."""

from __future__ import annotations

import math

import pytest

from livebase.finance.cashflow import cash_flow, yearly
from livebase.finance.metrics import (
    annual_fixed_costs,
    break_even_gmv,
    contribution_rate,
    discounted_payback,
    irr,
    metrics_of,
    monthly_rate,
    npv,
    npv_draws,
)
from livebase.finance.model import load_plan


def test_npv_textbook_case_by_hand() -> None:
    # -100 today, 60 at the end of years 1 and 2, at 10 %: -100 + 60/1.1 + 60/1.21
    assert npv(0.10, [-100, 60, 60]) == pytest.approx(-100 + 60 / 1.1 + 60 / 1.21)
    assert npv(0.10, [-100, 60, 60]) == pytest.approx(4.1322314, rel=1e-7)


def test_npv_first_period_shifts_every_flow_one_period() -> None:
    assert npv(0.2, [120.0], first_period=1) == pytest.approx(100.0)
    assert npv(0.2, [-700, -400, 500], first_period=1) == pytest.approx(-700 / 1.2 - 400 / 1.44 + 500 / 1.728)


def test_irr_solves_the_quadratic_of_a_two_period_case() -> None:
    # -100 + 60/(1+r) + 60/(1+r)^2 = 0  ->  with x = 1/(1+r): 60x^2 + 60x - 100 = 0
    x = (-60 + math.sqrt(60**2 + 4 * 60 * 100)) / (2 * 60)
    assert irr([-100, 60, 60]) == pytest.approx(1 / x - 1, rel=1e-9)
    assert npv(irr([-100, 60, 60]) or 0, [-100, 60, 60]) == pytest.approx(0, abs=1e-9)


def test_irr_is_none_when_the_flows_never_change_sign() -> None:
    assert irr([-10, -5, -1]) is None
    assert irr([5, 5]) is None


def test_discounted_payback_interpolates_within_the_period() -> None:
    # -1000, then 500 a year at 10 %: PVs 454.55, 413.22, 375.66; cumulative -545.45, -132.23, +243.43
    expected = 2 + (1000 - 500 / 1.1 - 500 / 1.21) / (500 / 1.331)
    assert discounted_payback(0.10, [-1000, 500, 500, 500]) == pytest.approx(expected)
    assert discounted_payback(0.10, [-1000, 100, 100]) is None


def test_monthly_rate_compounds_to_the_annual_one() -> None:
    assert (1 + monthly_rate(0.2)) ** 12 == pytest.approx(1.2)


def test_vectorised_npv_matches_the_scalar_one() -> None:
    plan = load_plan()
    flows = cash_flow(plan).free_cash_flow
    expected = npv(monthly_rate(0.2), list(flows[0]), first_period=1)
    assert npv_draws(0.2, flows)[0] == pytest.approx(expected)


def test_break_even_gmv_is_the_closed_form_and_ebitda_is_zero_there() -> None:
    plan = load_plan()
    brand_pays = plan.model_copy(update={"carried_by": plan.carried_by.moving(("logistics", "traffic"))})
    margin = contribution_rate(brand_pays)
    assert margin == pytest.approx(0.15 + 0.015 + 0.007 - 0.065 - 0.03)
    fixed = annual_fixed_costs(brand_pays)
    assert fixed == pytest.approx(200 + 250 + 125 + 300 + 125 - 100)
    assert break_even_gmv(brand_pays) == pytest.approx(fixed / margin)
    # with no growth and no expansion, a year at exactly that GMV has EBITDA 0 outside phase 3's entry costs
    flat = brand_pays.with_base(gmv_first_year=fixed / margin, gmv_growth=0.0).model_copy(
        update={"expansion_markets": 0}
    )
    assert yearly(cash_flow(flat).ebitda)[0, 0] == pytest.approx(0, abs=1e-6)


def test_report_defaults_cannot_break_even() -> None:
    plan = load_plan()
    assert contribution_rate(plan) < 0
    assert break_even_gmv(plan) is None
    result = metrics_of(plan)
    assert result.npv < 0 and result.irr is None and result.break_even_month is None
    assert result.discounted_payback_months is None


def test_a_feasible_plan_has_consistent_headline_figures() -> None:
    plan = load_plan()
    feasible = plan.model_copy(update={"carried_by": plan.carried_by.moving(("traffic", "logistics", "payment_fees"))})
    result = metrics_of(feasible)
    assert result.irr is not None and result.irr > result.discount_rate  # NPV > 0 iff IRR > rate here
    assert result.npv > 0
    assert result.payback_months is not None and result.discounted_payback_months is not None
    assert result.discounted_payback_months >= result.payback_months - 1
