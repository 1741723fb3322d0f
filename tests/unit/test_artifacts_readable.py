"""Artifacts an operator reads in five seconds (issue 30): every artifact has a description, the
decision comes first and long provenance last, numbers are rounded and shares and money formatted,
a flow with nothing to work on says what was missing, text renders without CJK fonts, and the
business case's cash-flow lines do not hide each other."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import flows.artifacts as artifacts
from flows.artifacts import money, no_input, number, pct, plain, readable_table


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What reached Prefect (both kinds), after the residency guard."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(artifacts, "create_table_artifact", lambda **kw: sent.append(kw))
    monkeypatch.setattr(artifacts, "create_markdown_artifact", lambda **kw: sent.append(kw))
    monkeypatch.setattr(artifacts, "keeper", lambda market: lambda text, reasons: "kept")
    return sent


CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def has_cjk(text: str) -> bool:
    """Whether ``text`` needs a CJK font to render (what no published artifact may hold)."""
    return bool(CJK.search(text))


def test_every_artifact_needs_a_description(published: list[dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="'orders' has no description"):
        artifacts.publish_table("eu", "orders", [{"market": "eu", "orders": 3}], "")
    with pytest.raises(ValueError, match="has no description"):
        artifacts.publish_markdown("eu", "note", "# eu", "  ")
    artifacts.publish_table("eu", "orders", [{"market": "eu", "orders": 3}], "orders of eu")
    assert published == [{"key": "orders", "table": [{"market": "eu", "orders": 3}], "description": "orders of eu"}]


def test_an_empty_artifact_says_what_was_missing(published: list[dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="must say why"):
        artifacts.publish_table("eu", "orders", [], "orders of eu")
    with pytest.raises(ValueError, match="is empty: say why"):
        artifacts.publish_markdown("eu", "plot", "", "plot of eu")
    artifacts.publish_table("eu", "orders", [], "orders of eu", empty=no_input("no order in eu since 2026-12-01"))
    artifacts.publish_markdown("eu", "plot", " \n", "plot of eu", empty=no_input("no SKU with demand in eu"))
    assert published[0]["table"] == [{"note": "No input: no order in eu since 2026-12-01"}]
    assert published[1]["markdown"] == "**No input: no SKU with demand in eu**\n"


def test_columns_go_decision_first_provenance_last_and_numbers_are_rounded() -> None:
    row = {"market": "sea", "demand_source": "forecast:nightly 2026-12-06: AutoETS " + "x" * 120,
           "cpu": 0.952775, "reorder_point": 12.34567, "reasons": "below reorder point", "sku": "SKU-A",
           "order_qty": 24, "held": True, "big": 1234.5678}  # fmt: skip
    [shown] = readable_table([row], first=("sku", "order_qty", "reasons"), last=("demand_source",))
    assert list(shown)[:3] == ["sku", "order_qty", "reasons"] and list(shown)[-1] == "demand_source"
    assert shown["cpu"] == 0.953 and shown["reorder_point"] == 12.35 and shown["big"] == 1234.57
    assert shown["held"] is True and shown["order_qty"] == 24


def test_shares_money_and_numbers_are_formatted() -> None:
    assert pct(0.952775) == "95.3%" and pct(0.05, 0) == "5%" and pct(None) == "-"
    assert money(1234.5, "SGD") == "1,234.50 SGD" and money("-120", "EUR") == "-120.00 EUR"
    assert number(0.000123456) == 0.000123 and number(-7.006) == -7.01
    assert number(float("nan")) != number(float("nan"))  # NaN stays NaN, never a crash


def test_text_renders_without_cjk_fonts(published: list[dict[str, Any]]) -> None:
    assert plain("NPV about -572萬 at 20 %") == "NPV about -572 (10k CNY) at 20 %"
    assert plain("hosts 1-5萬元 a session; GMV 3億") == "hosts 1-5 (10k CNY) a session; GMV 3 (100M CNY)"
    artifacts.publish_markdown("hq", "business-case-feasibility", "- breaks even at 5,000萬 GMV", "at 2萬")
    artifacts.publish_table("hq", "claims", [{"claim": "-6667萬", "holds": False}], "seed report's claims")
    assert not any(has_cjk(str(p)) for p in published)
    assert "5,000 (10k CNY) GMV" in published[0]["markdown"] and published[0]["description"] == "at 2 (10k CNY)"


def test_the_decisions_table_leads_with_what_to_order_and_why() -> None:
    from flows.replenishment_report import DECISION_FIRST, DECISION_LAST, DecisionRow

    fields = list(DecisionRow.model_fields)
    assert tuple(fields[:3]) == DECISION_FIRST == ("sku", "order_qty", "reasons")
    assert tuple(fields[-1:]) == DECISION_LAST == ("demand_source",)


def test_an_experiment_with_no_viewers_says_so(
    monkeypatch: pytest.MonkeyPatch, published: list[dict[str, Any]]
) -> None:
    import flows.session_experiments as module
    from livebase.sessions.experiments import ArmCounts

    monkeypatch.setattr(module, "resolve_market_resources", lambda market: SimpleNamespace(market=market))
    monkeypatch.setattr(module, "read_exposed_arms", lambda *a: (ArmCounts(0, 0), ArmCounts(0, 0)))
    module.experiment_analysis.fn(market="eu", experiment_id="lineup-order")
    [artifact] = published
    assert artifact["table"] == [
        {"note": "No input: no viewer of eu was exposed to lineup-order (no exposure in its player table)"}
    ]
    assert "no viewer exposed yet" in artifact["description"]


def test_an_experiment_row_shows_the_verdict_first_in_percent() -> None:
    from flows.session_experiments import experiment_row
    from livebase.sessions.experiments import ArmCounts, analyse

    result = analyse(ArmCounts(4000, 200), ArmCounts(4000, 280))
    row = experiment_row("eu", "lineup-order", 24, result)
    assert next(iter(row)) == "verdict" and row["a_conversion"] == "5.00%" and row["b_conversion"] == "7.00%"
    assert row["b_minus_a"] == "+2.00 pp" and row["a_buyers"] == "200 of 4000"


def test_an_anchor_run_with_no_batches_says_so() -> None:
    from flows.passport_anchoring import anchor_row
    from livebase.passport.service import DayAnchor

    row = anchor_row(DayAnchor(market="sea", day="2027-12-06", root="", key="", version_id=""))
    assert row["note"] == "No input: no passport batch recorded in sea on 2027-12-06: nothing to anchor"
    assert list(row)[-2:] == ["root", "object"] and row["batches"] == 0


def test_the_fx_report_leads_with_the_cover_and_says_when_no_rates_were_read() -> None:
    from flows.fx_rates import report

    text = report([], [], {"sea": 3, "eu": 40}, "file:///feed.xml")
    lines = text.splitlines()
    assert lines[0].endswith("alarm: 3 days of cover left (under 7)") and lines[2] == "| market | days of cover |"
    assert "**No input: no rates read from file:///feed.xml**" in text


def test_forecast_accuracy_leads_with_the_verdict_in_percent() -> None:
    from flows.demand_forecasting import accuracy_row

    row = accuracy_row({"market": "eu", "series": 3, "evaluations": 9, "smape": 31.234, "mase": 0.8123,
                        "smape_snaive": 40.0, "mase_snaive": 1.0, "mase_skill": 0.18770})  # fmt: skip
    assert list(row)[:3] == ["market", "verdict", "mase_skill"] and row["verdict"] == "beats seasonal naive"
    assert row["mase_skill"] == "18.8%" and row["smape"] == "31.2%"
    assert accuracy_row({"market": "eu", "note": "no series long enough to backtest"})["verdict"].startswith(
        "No input: "
    )


def test_the_business_case_summary_leads_with_feasibility_and_value() -> None:
    from flows.business_case_report import SUMMARY_FIRST, SummaryRow, summary_table

    row = SummaryRow(plan="base", npv_wan_cny=-1234.56, irr="-", break_even_month="not within horizon",
                     break_even_gmv_wan_per_year="none", discounted_payback_months="-",
                     ebitda_margin_final_year="-3.0%", p_npv_positive=0.1234, npv_pessimistic=-2000.0,
                     npv_optimistic=300.0, feasible=False, gmv_first_year_from="plan")  # fmt: skip
    [shown] = summary_table([row])
    assert tuple(shown)[: len(SUMMARY_FIRST)] == SUMMARY_FIRST
    assert shown["npv_10k_cny"] == "-1,234.6" and shown["p_npv_positive"] == "12.3%"


def test_the_base_cash_flow_line_is_not_hidden_by_a_market_line() -> None:
    from flows.business_case_report import cash_flow_figure

    flows = np.array([[-50.0] * 6 + [10.0] * 30])
    same = SimpleNamespace(months=36, free_cash_flow=flows)  # one market: the base's figures exactly
    results: Any = [SimpleNamespace(key="base", flow=same), SimpleNamespace(key="sea", flow=same),
                    SimpleNamespace(key="eu", flow=SimpleNamespace(months=36, free_cash_flow=flows * 0.5))]  # fmt: skip
    lines = cash_flow_figure(results).axes[0].get_lines()
    cumulative = [line for line in lines if str(line.get_label()).endswith("cumulative")]
    base, sea, eu = cumulative
    styles = {(str(line.get_linestyle()), str(line.get_marker()), line.get_linewidth()) for line in cumulative}
    assert len(styles) == 3  # each line its own dash, marker or width
    assert base.get_linewidth() > sea.get_linewidth() and base.get_zorder() < sea.get_zorder()
    assert sea.get_marker() not in (None, "None", "") and sea.get_marker() != eu.get_marker()


def test_the_business_case_page_renders_without_cjk_fonts() -> None:
    from flows.business_case_report import html_report

    page = html_report("t", [], [], [], [], [], {"cash_flow": b"", "tornado": b"", "distribution": b""}, ["a 3萬 note"])
    assert not has_cjk(page) and "a 3 (10k CNY) note" in page


def test_no_input_names_what_was_missing() -> None:
    assert no_input(f"no order in sea since {date(2027, 12, 1)}") == "No input: no order in sea since 2027-12-01"
