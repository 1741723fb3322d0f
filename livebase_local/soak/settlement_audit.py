"""The soak's settlement audit (issue 33): the live day settles, in every market.

After the run, per market, from the stores alone:

* **trial balance**: the whole settlement ledger's debits and credits must sum to exactly zero
  (``trial_balance_off`` counts the markets where they do not);
* **statements**: every party's balance, account by account, must be what the day's orders call for,
  recomputed here from the Orders table's final records in one pass (accepted, shipped, returned,
  refunded; ``livebase.settlement.reconciliation``). An event the consumer missed, posted twice or
  priced from anything but the record shows as ``statements_unreconciled``, naming the account;
* ``settlement_transactions`` / ``settlement_orders``: what the ledger holds and how many accepted
  orders it settles (figures, not faults).

:func:`settlement_queues` is what the soak waits on, with the order-message queues, before its runner stops.
"""

from __future__ import annotations

from typing import Any, Protocol

import boto3

from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.settlement.fees import load_fees
from livebase.settlement.postings import facts_of
from livebase.settlement.reconciliation import differences, expected_balances
from livebase.settlement.statements import party_totals, statements, trial_balance
from livebase.stores.order_states import state_of
from livebase.stores.orders import OrderStore
from livebase.stores.settlement import SettlementStore


class Findings(Protocol):
    counts: Any

    def add(self, name: str, amount: int, what: str) -> None: ...


def settlement_queues(resources: MarketResources) -> list[str]:
    """The market's settlement queue, where its stack has one."""
    return [url for url in (getattr(resources, "settlement_queue_url", ""),) if url]


def audit_settlement(market: Market, resources: MarketResources, findings: Findings) -> None:
    """Add one market's settlement counts to ``findings`` (see the module docstring)."""
    if not getattr(resources, "settlement_ledger_table", ""):
        return
    m = market.id
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    transactions = SettlementStore(dynamodb, resources.settlement_ledger_table).all_transactions()
    fees = load_fees(m)
    balance = trial_balance(m, fees.currency, transactions)
    findings.counts["settlement_transactions"] += len(transactions)
    if not balance.balanced:
        findings.add("trial_balance_off", 1, f"{m}: the trial balance sums to {balance.total} {fees.currency}")
    orders = [facts_of(record, state_of(record)) for record in OrderStore.for_market(resources).all_orders()]
    accepted = [facts for facts in orders if facts.accepted]
    findings.counts["settlement_orders"] += len(accepted)
    ledger = party_totals(transactions)
    for difference in differences(expected_balances(accepted, fees), ledger):
        findings.add("statements_unreconciled", 1, f"{m}: {difference}")
    by_party = statements(m, fees.currency, "soak", transactions)
    for party, statement in by_party.items():  # each party's statement closes on what its accounts hold
        held = sum((v for k, v in ledger.items() if k.startswith(f"{party.value}:")), start=0)
        if statement.net != held:
            findings.add("statements_unreconciled", 1, f"{m}: {party.value} statement {statement.net}, ledger {held}")
