"""The business-case flow under the Prefect harness on an in-process moto market (no stack deploy).

The market's resources are made here (tables, stream, bucket, as the stack names them in
MarketResources) and the resolve task returns them; every read and write is a real boto3 call.
tests/integration/test_business_case_flow.py runs the same flow against the deployed stacks.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from livebase.live.events import OrderLine, OrderPlaced
from livebase.live.room_metrics import aggregate, to_items
from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources
from livebase.stores.order_table import order_model, order_record
from tests.support.flow_markets import resolve_to
from tests.support.room_events import SHARD, mixed_stream, numbered

pytestmark = pytest.mark.slow  # the whole flow under the harness (~9 s)

REGION = "ap-southeast-1"


def make_market(market: str, region: str) -> MarketResources:
    names = {f.name: f"bc-{market}-{f.name}".replace("_", "-") for f in fields(MarketResources)}
    resources = MarketResources(**(names | {"market": market, "region": region}))
    dynamodb = boto3.client("dynamodb", region_name=region)
    keyed = [(resources.orders_table, ["order_id"])] + [
        (t, ["pk", "sk"]) for t in (resources.room_metrics_table, resources.inventory_table,
                                    resources.purchase_orders_table, resources.forecasts_table)
    ]  # fmt: skip
    for table, keys in keyed:
        dynamodb.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": k, "KeyType": "HASH" if i == 0 else "RANGE"} for i, k in enumerate(keys)],
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        )  # fmt: skip
    boto3.client("kinesis", region_name=region).create_stream(StreamName=resources.stream_name, ShardCount=2)
    boto3.client("s3", region_name=region).create_bucket(
        Bucket=resources.data_lake_bucket, CreateBucketConfiguration={"LocationConstraint": region}
    )
    return resources


@pytest.fixture
def sea_market(aws: object, monkeypatch: pytest.MonkeyPatch, prefect_harness: None) -> MarketResources:
    import flows.business_case as module

    resources = make_market("sea", REGION)
    resolve_to(monkeypatch, module, resources)
    return resources


def seed(resources: MarketResources, totals: list[str]) -> None:
    model = order_model(resources.orders_table, resources.region)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for index, total in enumerate(totals):
        order_record(model, OrderPlaced(
            event_id=f"evt-case-{index:04d}", type="order_placed", market="sea", room_id="room-1", session_id="s",
            ts=start + timedelta(days=5 * index), viewer_id="v_00112233445566778899", order_id=f"ord-case-{index:04d}",
            currency="SGD", lines=(OrderLine(sku="SKU-CASE", quantity=1, unit_price=Decimal(total)),),
        )).save()  # fmt: skip
    table = boto3.resource("dynamodb", region_name=resources.region).Table(resources.room_metrics_table)
    for item in to_items(aggregate(load_markets()["sea"], SHARD, numbered(mixed_stream()))):
        table.put_item(Item=item)


def test_the_flow_measures_the_market_and_reports_with_provenance(sea_market: MarketResources, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.business_case import business_case

    seed(sea_market, ["100", "200", "300"])
    result = business_case(markets=["sea"], draws=300, seed=5, gmv_source="measured", output_dir=str(tmp_path))

    assert [row.plan for row in result.rows] == ["base", "sea"]
    assert all(row.gmv_first_year_from == "measured" for row in result.rows)
    assert not result.rows[0].feasible and result.rows[0].npv_wan_cny < 0
    assert any("cannot break even at any GMV" in line for line in result.explanations)
    page = Path(result.report_path).read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3
    assert (
        result.report_uri == f"s3://{sea_market.data_lake_bucket}/reports/business-case/{Path(result.report_path).name}"
    )
    stored = boto3.client("s3", region_name=REGION).get_object(
        Bucket=sea_market.data_lake_bucket, Key=result.report_uri.split("/", 3)[3]
    )
    assert stored["Body"].read().decode("utf-8") == page

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["business-case-measured", "business-case-aws-cost"])
            )
        )
    latest: dict[str, Any] = {}
    for artifact in sorted(artifacts, key=lambda a: a.created or datetime.min.replace(tzinfo=UTC)):
        latest[str(artifact.key)] = artifact.data if isinstance(artifact.data, list) else json.loads(str(artifact.data))
    figures = {row["figure"]: row for row in latest["business-case-measured"]}
    assert figures["orders"]["value"] == "3" and figures["orders"]["source"] == "measured"
    assert figures["gmv"]["value"] == "600"
    assert figures["average_order_value"]["value"] == "200"
    assert figures["window_days"]["value"] == "10"
    assert figures["conversion"]["source"] == "measured"  # the seeded room minutes have joins and orders
    costs = {row["usage"]: row for row in latest["business-case-aws-cost"]}
    assert costs["shard_hours"]["per_month"] == "1,460" and costs["shard_hours"]["source"] == "measured"
    assert costs["lambda_invocations"]["source"] == "estimated"  # moto's CloudWatch has no Lambda datapoints
    assert costs["data_out_gb"]["source"] == "assumed"
    assert "aws.amazon.com" in costs["shard_hours"]["price"]
