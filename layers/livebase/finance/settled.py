"""The business case's figures from a settlement ledger (issue 33): host fees, returns, payment fees.

The plan (``model``) has no host-fee or returns driver and assumes payment fees and logistics as
shares of GMV (seed §4.1). A day the platform settled (``livebase.settlement``) says what they came
to on real orders: :class:`LedgerDay` keeps only the day's aggregates (account balances and counts
per kind of transaction; no order, no buyer), and :func:`settled_figures` sets each measured figure
beside the plan's assumption, saying which is which. The ledger applied the market's fee schedule,
so a rate is measured in what the orders, sessions, returns and refunds made of it, not in the
schedule's own percentages (``config/settlement/<market>.yaml`` says which of those are assumed).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from livebase.finance.aws_costs import Source
from livebase.finance.model import Plan
from livebase.settlement import accounts as acc
from livebase.settlement.accounts import Kind, Transaction, balances

ZERO = Decimal(0)


@dataclass(frozen=True)
class LedgerDay:
    """One market's settled day, as aggregates: what leaves the ledger for the business case."""

    market: str
    currency: str
    day: str
    balances: dict[str, Decimal]  # account key -> balance (debits positive)
    kinds: dict[str, int]  # transaction kind -> count
    captured: Decimal  # what buyers paid on accepted orders (the day's GMV, landed)

    @classmethod
    def of(cls, market: str, currency: str, day: str, transactions: Iterable[Transaction]) -> LedgerDay:
        found = list(transactions)
        captured = sum(
            (e.amount for t in found if t.kind is Kind.ACCEPTED for e in t.entries if e.account == acc.CLEARING), ZERO
        )
        totals = {a.key: v for a, v in balances(found).items()}
        return cls(market, currency, day, totals, dict(Counter(t.kind.value for t in found)), captured)

    def balance(self, account: acc.Account) -> Decimal:
        return self.balances.get(account.key, ZERO)

    def to_json(self) -> str:
        return json.dumps({"market": self.market, "currency": self.currency, "day": self.day,
                           "balances": {k: str(v) for k, v in self.balances.items()}, "kinds": self.kinds,
                           "captured": str(self.captured)}, indent=1, sort_keys=True)  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> LedgerDay:
        raw: dict[str, Any] = json.loads(text)
        return cls(str(raw["market"]), str(raw["currency"]), str(raw["day"]),
                   {k: Decimal(v) for k, v in raw["balances"].items()}, {k: int(v) for k, v in raw["kinds"].items()},
                   Decimal(raw["captured"]))  # fmt: skip


@dataclass(frozen=True)
class SettledFigure:
    name: str
    value: float | None  # a share of the day's GMV (or a count), None: not known
    source: Source  # "measured" (the ledger) or "assumed" (the plan / the seed report)
    how: str


def _share(amount: Decimal, of: Decimal) -> float | None:
    return float(amount / of) if of > 0 else None


def settled_figures(day: LedgerDay | None, plan: Plan) -> list[SettledFigure]:
    """Host fees, returns, payment fees, logistics and commission: measured from ``day`` where it
    exists, else the plan's assumption (or the seed's) with its source."""
    assumed = [
        SettledFigure("host_fees_rate", None, "assumed", "not in the plan: seed §4.1 prices hosts per session "
                      "(local 1-5萬元, mid 5-20萬, top 50-100萬), never as a share of GMV"),
        SettledFigure("returns_refunded_rate", 0.0, "assumed", "not in the plan: it assumes every sale is kept"),
        SettledFigure("payment_fees_rate", plan.payment_fees_rate.base, "assumed", "plan: seed §4.1, 2-4 % of GMV"),
        SettledFigure("logistics_rate", plan.logistics_rate.base, "assumed", "plan: seed §4.1, 8-12 % of GMV"),
        SettledFigure("commission_rate", plan.commission_rate.base, "assumed", "plan: seed §4.2, 10-20 % of GMV"),
    ]  # fmt: skip
    if day is None or day.captured <= 0:
        return assumed
    gmv, where = day.captured, f"ledger of {day.market}'s day {day.day}"
    refunded = day.captured - day.balance(acc.CLEARING)
    sessions, returns = day.kinds.get(Kind.SESSION_FEE.value, 0), day.kinds.get(Kind.RETURNED.value, 0)
    measured = [
        SettledFigure("host_fees_rate", _share(day.balance(acc.HOST_FEES), gmv), "measured",
                      f"{where}: base:host_fees (fixed fee of {sessions} sessions + share of kept sales) / GMV"),
        SettledFigure("returns_refunded_rate", _share(refunded, gmv), "measured",
                      f"{where}: refunded / captured ({returns} returns received, cancels included)"),
        SettledFigure("payment_fees_rate", _share(day.balance(acc.PAYMENT_FEES), gmv), "measured",
                      f"{where}: base:payment_fees / GMV"),
        SettledFigure("logistics_rate", _share(day.balance(acc.LOGISTICS_COSTS), gmv), "measured",
                      f"{where}: base:logistics (shipments and return parcels) / GMV"),
        SettledFigure("commission_rate", _share(-day.balance(acc.COMMISSION), gmv), "measured",
                      f"{where}: base:commission kept after refunds / GMV"),
    ]  # fmt: skip
    return [figure for pair in zip(measured, assumed, strict=True) for figure in pair]


def variable_rate_on_ledger(day: LedgerDay, plan: Plan) -> float | None:
    """The base's variable costs as a share of GMV with the ledger's host, payment and logistics figures
    in place of the plan's (traffic and marketing stay assumed): what the commission must cover."""
    figures = {f.name: f.value for f in settled_figures(day, plan) if f.source == "measured"}
    if any(figures.get(n) is None for n in ("host_fees_rate", "payment_fees_rate", "logistics_rate")):
        return None
    carried = {"traffic": plan.traffic_rate.base, "marketing": plan.marketing_rate.base}
    rest = sum(v for item, v in carried.items() if plan.carried_by.of(item) == "base")
    return rest + sum(float(figures[n] or 0.0) for n in ("host_fees_rate", "payment_fees_rate", "logistics_rate"))
