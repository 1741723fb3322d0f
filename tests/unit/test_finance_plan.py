"""The business model file: defaults from the report, market overrides, bad input refused by field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from livebase.finance.cashflow import cash_flow, phase_of, yearly
from livebase.finance.model import PlanError, load_plan, plan_from, plan_markets, read_document


def test_every_driver_cites_its_report_section() -> None:
    plan = load_plan()
    for name in plan.drivers():
        description = type(plan).model_fields[name].description or ""
        assert description.startswith("§4."), name


def test_market_plans_merge_their_overrides_over_the_base() -> None:
    base, eu = load_plan(), load_plan("eu")
    assert eu.gmv_first_year.base == 20000 and base.gmv_first_year.base == 30000
    assert eu.commission_rate == base.commission_rate
    assert set(plan_markets()) >= {"sea", "eu"}


def _document_with(path: Path, **base_changes: object) -> Path:
    document = read_document()
    document["base"].update(base_changes)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_a_rate_above_one_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = _document_with(tmp_path / "bad.yaml", commission_rate={"low": 0.1, "base": 1.5, "high": 2})
    with pytest.raises(PlanError, match=r"base\.commission_rate\.base: Input should be less than or equal to 1"):
        load_plan(path=path)


def test_an_unordered_range_and_an_unknown_field_are_refused(tmp_path: Path) -> None:
    path = _document_with(tmp_path / "bad.yaml", rent_per_year={"low": 300, "base": 200, "high": 250}, rnet=1)
    with pytest.raises(PlanError) as refused:
        load_plan(path=path)
    message = str(refused.value)
    assert "base.rent_per_year: Value error, needs low <= base <= high" in message
    assert "base.rnet: Extra inputs are not permitted" in message


def test_a_market_override_is_refused_under_its_market(tmp_path: Path) -> None:
    document = read_document()
    document["markets"]["eu"]["carried_by"] = {"logistics": "nobody"}
    with pytest.raises(PlanError, match=r"markets\.eu\.carried_by\.logistics"):
        plan_from(document, "eu")
    with pytest.raises(PlanError, match=r"markets\.atlantis is not in the file"):
        plan_from(document, "atlantis")


def test_phases_must_be_in_order(tmp_path: Path) -> None:
    path = _document_with(tmp_path / "bad.yaml", build_months=20)
    with pytest.raises(PlanError, match="build_months < operate_until_month < months"):
        load_plan(path=path)


def test_the_cash_flow_has_the_three_phases_and_the_planned_gmv_per_year() -> None:
    plan = load_plan()
    flow = cash_flow(plan)
    assert flow.months == 36
    assert [phase_of(m, plan) for m in (1, 6, 7, 18, 19, 36)] == [
        "build", "build", "operate", "operate", "expand", "expand"
    ]  # fmt: skip
    assert list(yearly(flow.gmv)[0]) == pytest.approx([30000, 54000, 97200])
    assert flow.capex[0, :6].sum() == pytest.approx(400 + 500) and flow.capex[0, 6:].sum() == 0
    entry = flow.strategic[0] - (300 + 125) / 12
    assert entry[18:24].sum() == pytest.approx(2 * 150) and entry[24:].sum() == pytest.approx(0)


def test_an_unknown_variable_cost_item_is_refused_naming_it() -> None:
    with pytest.raises(PlanError, match=r"carried_by: unknown variable cost items \['rent'\]"):
        load_plan().carried_by.moving(("rent",))


def test_the_cli_prints_the_headline_and_refuses_a_bad_item(capsys: pytest.CaptureFixture[str]) -> None:
    from livebase_local.commands.business_case import run_business_case

    assert run_business_case(None, [], None, None, draws=200) == 0
    out = capsys.readouterr().out
    assert "cannot break even at any GMV" in out and "DOES NOT HOLD" in out
    assert run_business_case("eu", ["rent"], None, None, draws=200) == 2
    assert "unknown variable cost items ['rent']" in capsys.readouterr().err
