"""The business-case flow under Prefect's test harness, reading the deployed markets' tables."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import boto3
import pytest

from livebase.live.events import OrderLine, OrderPlaced
from livebase.stores.order_table import order_model, order_record
from tests.support.local_aws import LocalAwsStack

pytestmark = pytest.mark.slow


def seed_orders(local_aws: LocalAwsStack, market: str, totals: list[int], days: int) -> None:
    resources = local_aws.deployments[market].resources()
    model = order_model(resources.orders_table, resources.region)
    currency = {"sea": "SGD", "eu": "EUR"}[market]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for index, total in enumerate(totals):
        order_id = f"ord-case-{uuid.uuid4().hex[:12]}"
        order_record(model, OrderPlaced(
            event_id=f"evt-{order_id}", type="order_placed", market=market, room_id="r-case", session_id="s",
            ts=start + timedelta(days=days * index / max(1, len(totals) - 1)), viewer_id="v_00112233445566778899",
            order_id=order_id, currency=currency,
            lines=(OrderLine(sku="SKU-CASE", quantity=1, unit_price=Decimal(total)),),
        )).save()  # fmt: skip


def test_flow_reports_the_base_and_each_market_with_provenance(
    local_aws: LocalAwsStack, prefect_harness: None, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.business_case import business_case

    seed_orders(local_aws, "sea", [100, 200, 300], days=10)
    result = business_case(markets=["sea", "eu"], draws=300, seed=3, gmv_source="measured", output_dir=str(tmp_path))

    assert [row.plan for row in result.rows] == ["base", "sea", "eu"]
    assert all(row.gmv_first_year_from == "measured" for row in result.rows)
    # a few hundred SGD a month cannot carry the base's fixed costs: NPV negative, and it says why
    assert result.rows[0].npv_wan_cny < 0 and not result.rows[0].feasible
    assert any("cannot break even at any GMV" in line for line in result.explanations)
    page = Path(result.report_path).read_text(encoding="utf-8")
    assert "The seed report&#x27;s arithmetic" in page or "The seed report's arithmetic" in page
    assert "data:image/png;base64," in page and "measured" in page and "assumed" in page
    sea = local_aws.deployments["sea"].resources()
    assert result.report_uri and result.report_uri.startswith(f"s3://{sea.data_lake_bucket}/reports/business-case/")
    key = result.report_uri.split("/", 3)[3]
    stored = boto3.client("s3", region_name=sea.region).get_object(Bucket=sea.data_lake_bucket, Key=key)
    assert stored["Body"].read().decode("utf-8") == page

    keys = ["business-case-summary", "business-case-measured", "business-case-cash-flow", "business-case-tornado",
            "business-case-npv-distribution", "business-case-feasibility", "business-case-aws-cost"]  # fmt: skip
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))
    assert {a.key for a in artifacts} == set(keys)
    measured = next(a for a in artifacts if a.key == "business-case-measured")
    rows = measured.data if isinstance(measured.data, list) else __import__("json").loads(str(measured.data))
    sea_orders = next(r for r in rows if r["market"] == "sea" and r["figure"] == "orders")
    assert sea_orders["source"] == "measured" and float(sea_orders["value"].replace(",", "")) >= 3
    assert {r["source"] for r in rows} >= {"measured"}


def test_bad_parameters_are_refused_with_the_reason(prefect_harness: None) -> None:
    from prefect.exceptions import ParameterTypeError

    from flows.business_case import business_case

    with pytest.raises(ParameterTypeError, match="discount_rate"):
        business_case(markets=["sea"], discount_rate=0.3)
    with pytest.raises(ParameterTypeError, match="brand_carries"):
        business_case(markets=["sea"], brand_carries=["rent"])  # type: ignore[list-item]
