"""The demo's settlement lines (issue 33): the day's ledger of one market, balanced and reconciled.

After the day's orders lived their lives, the settlement consumer has posted every order event the
bus carried. Here: the ledger read back whole, its trial balance (exactly zero, or the demo says by
how much), every party's balance against what the orders call for, and the day's aggregates saved
for ``./livebase business-case`` (``.livebase/settlement/<market>.json``: balances per account and
counts, no order, no buyer), which reads host fees, returns and payment fees from them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from livebase.finance.settled import LedgerDay
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.settlement import accounts as acc
from livebase.settlement.fees import load_fees
from livebase.settlement.postings import facts_of
from livebase.settlement.reconciliation import differences, expected_balances
from livebase.settlement.statements import party_totals, trial_balance
from livebase.stores.order_states import state_of
from livebase.stores.orders import OrderStore
from livebase.stores.settlement import SettlementStore


def settlement_demo(market: Market, resources: MarketResources, drain: Callable[[], Any], out_dir: Path) -> list[str]:
    """The market's settled day in two lines, its aggregates saved under ``out_dir``."""
    drain()  # the last order messages, then the order signals they put on the bus
    drain()
    fees = load_fees(market.id)
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    transactions = SettlementStore(dynamodb, resources.settlement_ledger_table).all_transactions()
    balance = trial_balance(market.id, fees.currency, transactions)
    orders = [facts_of(r, state_of(r)) for r in OrderStore.for_market(resources).all_orders()]
    off = differences(expected_balances([o for o in orders if o.accepted], fees), party_totals(transactions))
    day = LedgerDay.of(market.id, fees.currency, datetime.now(UTC).date().isoformat(), transactions)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{market.id}.json").write_text(day.to_json(), encoding="utf-8")
    verdict = "sums to 0" if balance.balanced else f"is OFF by {balance.total}"
    reconciled = "every party reconciles with the orders" if not off else f"{len(off)} accounts off: {off[0]}"
    c = fees.currency
    return [
        f"settlement: {balance.transactions} transactions, trial balance {verdict} {c}; {reconciled}",
        f"  GMV {day.captured} {c}: commission {-day.balance(acc.COMMISSION)}, host fees {day.balance(acc.HOST_FEES)}, "
        f"payment fees {day.balance(acc.PAYMENT_FEES)}, logistics {day.balance(acc.LOGISTICS_COSTS)}, "
        f"refunded {day.captured - day.balance(acc.CLEARING)}; brands owed {-day.balance(acc.BRAND_PAYABLE)}",
    ]
