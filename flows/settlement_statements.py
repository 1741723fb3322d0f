"""Settlement statements: per market and period, each party's statement and the trial balance (issue 33).

Per market (one task, in the market's own region): read the period's transactions from the market's
settlement ledger (``livebase.stores.settlement``, the ``by_day`` index), build the trial balance and
one statement per party (``livebase.settlement.statements``), and write them as CSV to the market's own
data lake under ``settlement/<market>/<first>..<last>/`` (``<party>.csv``, ``trial-balance.csv``;
order ids stay in the region). Published: a table artifact per market
(``settlement-trial-balance-<market>``: every account's debits, credits and balance) and a markdown
artifact (``settlement-statements-<market>``: each party's net per account and where its CSV is);
accounts name parties, sessions and tax authorities, never a buyer. A trial balance that does not sum
to exactly zero fails the run (after publishing what it found), naming the market and the difference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import boto3
from prefect import flow, task
from pydantic import BaseModel, Field

from flows import commerce_io
from flows.artifacts import money, no_input, publish_markdown, publish_table
from flows.markets import SELLING_MARKET_IDS, MarketSelection, resolve_market_resources
from livebase.markets.resources import MarketResources
from livebase.settlement.fees import load_fees
from livebase.settlement.statements import Statement, TrialBalance, require_balanced, statements, trial_balance
from livebase.stores.settlement import SettlementStore

PREFIX = "settlement"  # settlement/<market>/<first>..<last>/<party>.csv in the market's own lake


class MarketStatements(BaseModel):
    market: str
    currency: str
    period: str
    transactions: int
    trial_balance_total: str  # "0" when it balances
    balanced: bool
    parties: dict[str, str]  # party -> net of its accounts in the period
    csv_keys: list[str]


def period_days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


@task(name="read-and-write-statements", retries=2, retry_delay_seconds=10)
def market_statements(
    resources: MarketResources, first: date, last: date
) -> tuple[TrialBalance, list[Statement], list[str]]:
    """The period's trial balance and statements of one market, their CSVs written to its lake."""
    market, currency = resources.market, load_fees(resources.market).currency
    ledger = SettlementStore(commerce_io.dynamodb(resources), resources.settlement_ledger_table)
    found = ledger.transactions_of(period_days(first, last))
    period = f"{first.isoformat()}..{last.isoformat()}"
    balance = trial_balance(market, currency, found)
    by_party = list(statements(market, currency, period, found).values())
    s3 = boto3.client("s3", region_name=resources.region)
    keys = []
    files = {f"{s.party.value}.csv": s.to_csv() for s in by_party} | {"trial-balance.csv": trial_balance_csv(balance)}
    for name, body in files.items():
        key = f"{PREFIX}/{market}/{period}/{name}"
        s3.put_object(Bucket=resources.data_lake_bucket, Key=key, Body=body.encode(), ContentType="text/csv")
        keys.append(key)
    return balance, by_party, keys


def trial_balance_csv(balance: TrialBalance) -> str:
    lines = ["account,debits,credits,balance,currency"]
    lines += [f"{r.account.key},{r.debits},{r.credits},{r.balance},{balance.currency}" for r in balance.rows]
    lines.append(f"total,,,{balance.total},{balance.currency}")
    return "\n".join(lines) + "\n"


def publish(balance: TrialBalance, by_party: list[Statement], keys: list[str], period: str) -> MarketStatements:
    market = balance.market
    verdict = "balances to 0" if balance.balanced else f"is off by {balance.total} {balance.currency}"
    cash = balance.currency
    rows = [{"account": r.account.key, "balance": money(r.balance, cash), "debits": money(r.debits, cash),
             "credits": money(r.credits, cash)} for r in balance.rows]  # fmt: skip
    publish_table(
        market, key=f"settlement-trial-balance-{market}", table=rows,
        description=f"{market} {period}: the trial balance {verdict} over {balance.transactions} transactions",
        empty=no_input(f"no settlement transaction in {market}'s ledger for {period}"),
    )  # fmt: skip
    parts = [f"# Settlement {market}, {period}", "", f"Trial balance: {verdict} ({cash}).", ""]
    if not by_party:
        parts += [f"**{no_input(f'no settlement transaction in the ledger for {period}')}**", ""]
    for statement in by_party:
        parts.append(f"## {statement.party.value}: net {money(statement.net, cash)}")
        parts += [f"- `{account}`: {money(amount, cash)}" for account, amount in statement.closing]
        parts.append("")
    parts.append("CSV in the market's data lake: " + ", ".join(f"`{k}`" for k in keys))
    publish_markdown(market, key=f"settlement-statements-{market}", markdown="\n".join(parts),
                     description=f"{market} {period}: statements per party")  # fmt: skip
    print(f"{market} {period}: {balance.transactions} transactions, trial balance {verdict}")
    return MarketStatements(
        market=market, currency=balance.currency, period=period, transactions=balance.transactions,
        trial_balance_total=str(balance.total), balanced=balance.balanced,
        parties={s.party.value: str(s.net) for s in by_party}, csv_keys=keys,
    )  # fmt: skip


@flow(name="settlement-statements", log_prints=True)
def settlement_statements(
    markets: MarketSelection | None = None,
    first_day: Annotated[date | None, Field(description="first booking day (UTC); default: yesterday")] = None,
    days: Annotated[int, Field(ge=1, le=92, description="days in the period, from first_day")] = 1,
) -> list[MarketStatements]:
    """Statements per party and the trial balance of each selected market (default: every selling market)."""
    first = first_day or (datetime.now(UTC).date() - timedelta(days=1))
    last = first + timedelta(days=days - 1)
    period = f"{first.isoformat()}..{last.isoformat()}"
    resources = [resolve_market_resources(market) for market in (markets or SELLING_MARKET_IDS)]
    futures = [market_statements.submit(r, first, last) for r in resources]  # type: ignore[arg-type]
    summaries = [publish(*future.result(), period) for future in futures]
    for future in futures:
        require_balanced(future.result()[0])  # after every market is published: the run fails, naming it
    return summaries
