"""The business case reads host fees, returns and payment fees from a settled day, saying measured or assumed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from livebase.finance.model import load_plan
from livebase.finance.settled import LedgerDay, settled_figures, variable_rate_on_ledger
from livebase.settlement.accounts import Transaction
from livebase.settlement.fees import load_fees
from livebase.settlement.postings import OrderFacts, Posted, order_catch_up, session_fee
from livebase_local.commands.business_case import settled_lines

AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def day_of_sea() -> LedgerDay:
    fees, found = load_fees("sea"), list[Transaction]()
    for n in range(4):  # four orders of one session; the last one refunded in full after its return
        facts = OrderFacts(
            order_id=f"ord-{n:03d}", market="sea", currency="SGD", session_id="sess-1", net=Decimal("1000.00"),
            tax=Decimal("90.00"), duty=Decimal(0), gross=Decimal("1090.00"), authority="SG-GST",
            paid=Decimal("1000.00"),
            refunded=Decimal("1000.00") if n == 3 else Decimal(0), accepted=True, shipped=True,
            returns=("return_received:rma-1",) if n == 3 else (),
        )  # fmt: skip
        found += order_catch_up(facts, fees, Posted(), AT).transactions
    found.append(session_fee(facts, fees, AT))
    return LedgerDay.of("sea", "SGD", "2026-12-07", found)


def test_figures_from_the_ledger_stand_beside_the_plans_assumptions() -> None:
    day, plan = day_of_sea(), load_plan()
    figures = {(f.name, f.source): f for f in settled_figures(day, plan)}
    assert day.captured == Decimal("4360.00")
    assert figures[("payment_fees_rate", "measured")].value == 0.03  # the schedule's 3 % of what was captured
    assert figures[("payment_fees_rate", "assumed")].value == plan.payment_fees_rate.base
    host = figures[("host_fees_rate", "measured")]  # 1880 fixed + 5 % of the 3000 kept
    assert host.value == float(Decimal("2030.00") / Decimal("4360.00")) and "1 sessions" in host.how
    assert figures[("host_fees_rate", "assumed")].value is None
    assert figures[("returns_refunded_rate", "measured")].value == 0.25
    rate = variable_rate_on_ledger(day, plan)
    assert rate is not None and rate > plan.commission_rate.base  # a session's fixed fee on four orders
    assert LedgerDay.from_json(day.to_json()) == day


def test_the_command_says_which_figures_are_measured(tmp_path: Path) -> None:
    plan = load_plan()
    assert "every figure below is assumed" in "\n".join(settled_lines(plan, None, tmp_path))
    (tmp_path / "sea.json").write_text(day_of_sea().to_json(), encoding="utf-8")
    lines = settled_lines(plan, "sea", tmp_path)
    assert lines[1] == "  sea (SGD), 2026-12-07: GMV 4360.00 settled"
    assert any(
        line.startswith("    host_fees_rate: 46.56% [measured] ledger of sea's day 2026-12-07") for line in lines
    )
    assert any(line.startswith("    payment_fees_rate: 3.00% [assumed] plan") for line in lines)
