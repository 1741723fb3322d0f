"""Period statements per party and the trial balance, from the ledger's transactions.

The trial balance lists every account's debits and credits; it must sum to exactly zero (each
transaction does), and :func:`require_balanced` refuses a ledger where it does not. A party's
statement lists its accounts' movements in the period, transaction by transaction, with the
closing balance per account: positive is owed *by* the party, negative is owed *to* it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from livebase.settlement.accounts import Account, Party, Transaction, balances
from livebase.settlement.money import ZERO


class TrialBalanceError(ValueError):
    """The ledger's debits and credits differ: the statements are not to be trusted."""


@dataclass(frozen=True)
class TrialRow:
    account: Account
    debits: Decimal
    credits: Decimal  # as a positive amount

    @property
    def balance(self) -> Decimal:
        return self.debits - self.credits


@dataclass(frozen=True)
class TrialBalance:
    market: str
    currency: str
    rows: tuple[TrialRow, ...]
    transactions: int

    @property
    def total(self) -> Decimal:
        return sum((r.balance for r in self.rows), ZERO)

    @property
    def balanced(self) -> bool:
        return self.total == 0


def trial_balance(market: str, currency: str, transactions: Iterable[Transaction]) -> TrialBalance:
    debits: dict[Account, Decimal] = {}
    credits: dict[Account, Decimal] = {}
    count = 0
    for transaction in transactions:
        count += 1
        for entry in transaction.entries:
            side = debits if entry.amount > 0 else credits
            side[entry.account] = side.get(entry.account, ZERO) + abs(entry.amount)
    rows = tuple(TrialRow(a, debits.get(a, ZERO), credits.get(a, ZERO)) for a in sorted({*debits, *credits}))
    return TrialBalance(market, currency, rows, count)


def require_balanced(balance: TrialBalance) -> TrialBalance:
    if not balance.balanced:
        raise TrialBalanceError(
            f"{balance.market}: the trial balance sums to {balance.total} {balance.currency}, not 0, "
            f"over {balance.transactions} transactions"
        )
    return balance


@dataclass(frozen=True)
class StatementLine:
    day: str
    txn_id: str
    kind: str
    order_id: str
    account: str
    amount: Decimal


@dataclass(frozen=True)
class Statement:
    party: Party
    market: str
    currency: str
    period: str  # "<first day>..<last day>"
    lines: tuple[StatementLine, ...]
    closing: tuple[tuple[str, Decimal], ...]  # per account: the period's net movement

    @property
    def net(self) -> Decimal:
        return sum((amount for _, amount in self.closing), ZERO)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["day", "transaction", "kind", "order_id", "account", "amount", "currency"])
        for line in self.lines:
            row = [line.day, line.txn_id, line.kind, line.order_id, line.account, str(line.amount)]
            writer.writerow([*row, self.currency])
        for account, amount in self.closing:
            writer.writerow([self.period, "closing", "", "", account, str(amount), self.currency])
        return out.getvalue()


def statements(market: str, currency: str, period: str, transactions: Sequence[Transaction]) -> dict[Party, Statement]:
    """One statement per party that moved in the period."""
    lines: dict[Party, list[StatementLine]] = {}
    for t in sorted(transactions, key=lambda t: (t.booked_at, t.txn_id)):
        for e in t.entries:
            line = StatementLine(t.day, t.txn_id, t.kind.value, t.order_id, e.account.key, e.amount)
            lines.setdefault(e.account.party, []).append(line)
    totals = balances(transactions)
    found: dict[Party, Statement] = {}
    for party, party_lines in lines.items():
        closing = tuple((a.key, v) for a, v in sorted(totals.items()) if a.party is party)
        found[party] = Statement(party, market, currency, period, tuple(party_lines), closing)
    return found


def party_totals(transactions: Iterable[Transaction]) -> dict[str, Decimal]:
    """Each account's balance by key (what reconciliations compare)."""
    return {account.key: amount for account, amount in balances(transactions).items()}
