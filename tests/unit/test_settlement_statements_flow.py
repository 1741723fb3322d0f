"""The settlement-statements flow under the Prefect harness on an in-process moto ledger (no stack deploy):
statements per party and the trial balance as CSV in the market's lake and as artifacts; a ledger that
does not balance fails the run."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from livebase.markets.resources import MarketResources
from livebase.settlement.fees import load_fees
from livebase.settlement.postings import OrderFacts, po_received
from livebase.stores.settlement import DAY_INDEX, SettlementStore
from tests.support.flow_markets import resolve_to

pytestmark = pytest.mark.slow  # the flow under the harness

REGION = "eu-central-1"
DAY = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


def make_market() -> MarketResources:
    names = {f.name: f"st-{f.name}".replace("_", "-") for f in fields(MarketResources)}
    resources = MarketResources(**(names | {"market": "eu", "region": REGION}))
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=resources.settlement_ledger_table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "day", "txn_id")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": DAY_INDEX, "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}, {"AttributeName": "txn_id", "KeyType": "RANGE"}],
        }],
    )  # fmt: skip
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=resources.data_lake_bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return resources


@pytest.fixture
def market(aws: object, monkeypatch: pytest.MonkeyPatch, prefect_harness: None) -> MarketResources:
    import flows.settlement_statements as module

    resources = make_market()
    resolve_to(monkeypatch, module, resources)
    return resources


def seed(resources: MarketResources) -> SettlementStore:
    ledger = SettlementStore(boto3.client("dynamodb", region_name=REGION), resources.settlement_ledger_table)
    fees = load_fees("eu")
    for n, refunded in enumerate(("0", "10.00", "50.00")):
        facts = OrderFacts(
            order_id=f"ord-{n:03d}", market="eu", currency="EUR", session_id="sess-1", net=Decimal("50.00"),
            tax=Decimal("9.50"), duty=Decimal(0), gross=Decimal("59.50"), authority="EU-IOSS-DE",
            paid=Decimal("50.00"), refunded=Decimal(refunded), accepted=True, shipped=True,
        )  # fmt: skip
        ledger.post_order(facts, fees, DAY)
    ledger.post(po_received("rcv-001", "default-supplier", "eu", "EUR", Decimal("120.00"), DAY))
    ledger.post_order(facts, fees, DAY + timedelta(days=1))  # nothing new: nothing posted the next day
    return ledger


def test_statements_and_trial_balance_of_a_day(market: MarketResources) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.settlement_statements import settlement_statements

    seed(market)
    [summary] = settlement_statements(markets=["eu"], first_day=DAY.date(), days=2)
    assert summary.balanced and Decimal(summary.trial_balance_total) == 0 and summary.transactions == 10
    assert summary.parties["buyers"] == "107.10"  # 3 × 59.50, less 11.90 and 59.50 given back
    s3 = boto3.client("s3", region_name=REGION)
    period = "2026-12-06..2026-12-07"
    host = s3.get_object(Bucket=market.data_lake_bucket, Key=f"settlement/eu/{period}/host.csv")["Body"].read()
    rows = list(csv.DictReader(io.StringIO(host.decode())))
    closing = {"day": period, "transaction": "closing", "kind": "", "order_id": "", "account": "host:payable:sess-1"}
    assert rows[-1] == closing | {"amount": "-1329.50", "currency": "EUR"}  # the fixed fee + 5 % of what was kept
    assert f"settlement/eu/{period}/trial-balance.csv" in summary.csv_keys
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["settlement-trial-balance-eu"]))
        )
    latest = max(artifacts, key=lambda a: a.created or datetime.min.replace(tzinfo=UTC))
    table = latest.data if isinstance(latest.data, list) else json.loads(str(latest.data))
    balances = {row["account"]: row["balance"] for row in table}
    assert balances["supplier:payable:default-supplier"] == "-120.00 EUR" and "ord-000" not in json.dumps(table)
    assert list(table[0])[:2] == ["account", "balance"]  # the balance beside its account, with its currency


def test_a_ledger_that_does_not_balance_fails_the_run(market: MarketResources) -> None:
    from flows.settlement_statements import settlement_statements

    seed(market)
    dynamodb: Any = boto3.client("dynamodb", region_name=REGION)
    dynamodb.put_item(TableName=market.settlement_ledger_table, Item={
        "pk": {"S": "txn#forged"}, "sk": {"S": "txn"}, "txn_id": {"S": "forged"}, "kind": {"S": "accepted"},
        "market": {"S": "eu"}, "currency": {"S": "EUR"}, "booked_at": {"S": DAY.isoformat()},
        "day": {"S": "2026-12-06"}, "entries": {"S": '[["buyers:clearing","0.01"]]'},
    })  # fmt: skip
    with pytest.raises(ValueError, match=r"forged: entries sum to 0\.01, not 0"):
        settlement_statements(markets=["eu"], first_day=DAY.date())
