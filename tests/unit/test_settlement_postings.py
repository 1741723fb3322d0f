"""The settlement core: balanced transactions, posted once, refunds reversed exactly, reconciled with orders."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from livebase.settlement import accounts as acc
from livebase.settlement.accounts import Entry, Kind, Transaction, Unbalanced, balances
from livebase.settlement.fees import load_fees
from livebase.settlement.money import to_minor
from livebase.settlement.postings import OrderFacts, Posted, order_catch_up, session_fee
from livebase.settlement.reconciliation import differences, expected_balances
from livebase.settlement.statements import TrialBalanceError, require_balanced, statements, trial_balance

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
FEES = load_fees("eu")
D = Decimal


def order(**changes: object) -> OrderFacts:
    facts = OrderFacts(
        order_id="o-1", market="eu", currency="EUR", session_id="s-1", net=D("120.00"), tax=D("22.80"),
        duty=D("0"), gross=D("142.80"), authority="EU-IOSS-DE", paid=D("120.00"), refunded=D("0"),
        accepted=True, shipped=False,
    )  # fmt: skip
    return replace(facts, **changes)  # type: ignore[arg-type]


def post_all(facts: OrderFacts, posted: Posted) -> tuple[list[Transaction], Posted]:
    done = order_catch_up(facts, FEES, posted, AT)
    return list(done.transactions), done.posted


def test_the_acceptance_splits_what_the_buyer_paid_and_balances() -> None:
    (accepted,), posted = post_all(order(), Posted())
    assert accepted.txn_id == "accepted:o-1" and accepted.kind is Kind.ACCEPTED
    amounts = {e.account.key: e.amount for e in accepted.entries}
    assert amounts["buyers:clearing"] == D("142.80")
    assert amounts["tax:tax:EU-IOSS-DE"] == D("-22.80")
    assert amounts["base:commission"] == D("-18.00")  # 15 % of the net
    assert amounts["brand:payable"] == D("-102.00")  # the remainder: 142.80 - 22.80 - 18.00
    assert amounts["host:payable:s-1"] == D("-6.00") and amounts["base:host_fees"] == D("6.00")
    assert amounts["payments:payable"] == D("-4.28")  # 3 % of 142.80 = 4.284, half to even
    assert "tax:duty:EU-IOSS-DE" not in amounts  # zero amounts are no entries
    assert posted.keys == {"accepted:o-1"} and posted.version == 1


def test_a_second_delivery_posts_nothing() -> None:
    first, posted = post_all(order(shipped=True), Posted())
    again, same = post_all(order(shipped=True), posted)
    assert [t.kind for t in first] == [Kind.ACCEPTED, Kind.SHIPPED] and again == [] and same == posted


def test_refunds_in_steps_reverse_every_part_exactly_when_all_is_given_back() -> None:
    facts = order(shipped=True, net=D("0.35"), tax=D("0.07"), gross=D("0.42"), paid=D("0.35"))
    posted, ledger = Posted(), []
    for refunded in ("0.10", "0.11", "0.35"):
        facts = replace(facts, refunded=D(refunded))
        found, posted = post_all(facts, posted)
        ledger += found
    kinds = [t.kind for t in ledger]
    assert kinds == [Kind.ACCEPTED, Kind.SHIPPED, Kind.REFUNDED, Kind.REFUNDED, Kind.REFUNDED]
    totals = {a.key: v for a, v in balances(ledger).items() if v}
    # every part of the sale came back; what stays: the provider's fee and the outbound logistics
    assert set(totals) == {"base:payment_fees", "payments:payable", "base:logistics", "logistics:payable"}
    assert require_balanced(trial_balance("eu", "EUR", ledger)).total == 0


def test_returns_post_a_parcel_each_and_a_rejected_order_posts_nothing() -> None:
    found, _ = post_all(order(shipped=True, returns=("return_received:r1", "return_received:r2")), Posted())
    assert [t.txn_id for t in found][-2:] == ["returned:o-1:return_received:r1", "returned:o-1:return_received:r2"]
    assert post_all(order(accepted=False), Posted())[0] == []


def test_the_session_fee_is_the_fixed_fee_of_the_schedule() -> None:
    fee = session_fee(order(), FEES, AT)
    assert fee.txn_id == "session-fee:s-1"
    assert {e.account.key: e.amount for e in fee.entries}["host:payable:s-1"] == -FEES.host_fixed_per_session.value


def test_an_unbalanced_transaction_cannot_exist() -> None:
    with pytest.raises(Unbalanced, match=r"sum to 0\.01"):
        Transaction("x", Kind.ACCEPTED, "eu", "EUR", AT, (Entry(acc.CLEARING, D("0.01")),))
    bad = Transaction("x", Kind.ACCEPTED, "eu", "EUR", AT, ())
    object.__setattr__(bad, "entries", (Entry(acc.CLEARING, D("1")),))  # as a corrupted store would read it
    with pytest.raises(TrialBalanceError, match=r"sums to 1 EUR"):
        require_balanced(trial_balance("eu", "EUR", [bad]))


def test_a_random_day_reconciles_with_its_orders_whatever_the_order_of_events() -> None:
    rng = random.Random(33)
    ledger: list[Transaction] = []
    finals: list[OrderFacts] = []
    for n in range(200):
        net = to_minor(D(rng.randint(1, 40000)) / 100, "EUR")
        tax = to_minor(net * D("0.19"), "EUR")
        facts = order(order_id=f"o-{n}", session_id=f"s-{n % 7}", net=net, tax=tax, gross=net + tax, paid=net,
                      accepted=rng.random() > 0.05)  # fmt: skip
        posted = Posted()
        steps = [replace(facts, refunded=D(0))]
        if rng.random() < 0.6:
            steps.append(replace(steps[-1], shipped=True))
        for _ in range(rng.randint(0, 3)):  # refunds in steps, a return now and then
            more = min(net, steps[-1].refunded + to_minor(net * D(rng.random()) / 2, "EUR"))
            returns = steps[-1].returns + ((f"return_received:{n}-{len(steps)}",) if rng.random() < 0.5 else ())
            steps.append(replace(steps[-1], refunded=more, returns=returns))
        for step in [*steps, steps[-1]]:  # the last event delivered twice
            found, posted = post_all(step, posted)
            ledger += found
        finals.append(steps[-1])
    sessions = {f.session_id for f in finals if f.accepted}
    ledger += [session_fee(order(session_id=s), FEES, AT) for s in sorted(sessions)]
    assert require_balanced(trial_balance("eu", "EUR", ledger)).balanced
    ledger_totals = {a.key: v for a, v in balances(ledger).items()}
    assert differences(expected_balances(finals, FEES), ledger_totals) == []
    assert differences(expected_balances(finals[1:], FEES), ledger_totals) != []  # a lost order shows


def test_statements_per_party_carry_each_movement_and_the_closing_balance() -> None:
    found, _ = post_all(order(shipped=True, refunded=D("60.00")), Posted())
    by_party = statements("eu", "EUR", "2026-12-07..2026-12-07", found)
    host = by_party[acc.Party.HOST]
    assert host.closing == (("host:payable:s-1", D("-3.00")),)  # half the share came back with half the money
    csv_text = by_party[acc.Party.BUYERS].to_csv()
    assert csv_text.splitlines()[0] == "day,transaction,kind,order_id,account,amount,currency"
    assert "2026-12-07..2026-12-07,closing,,,buyers:clearing,71.40,EUR" in csv_text


def test_every_selling_market_has_a_schedule_with_sources() -> None:
    for market, currency in (("sea", "SGD"), ("mena", "AED"), ("eu", "EUR"), ("na", "USD")):
        fees = load_fees(market)
        assert fees.currency == currency
        assert fees.figures()["commission_rate"].assumed is False
        assert fees.figures()["host_share_rate"].assumed is True and "assumption" in fees.host_share_rate.source
    with pytest.raises(LookupError, match="no fee schedule"):
        load_fees("hq")
