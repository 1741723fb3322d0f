"""The regional-processing flow under Prefect's harness on the local AWS (eu in eu-central-1, hq in
ap-northeast-1): recall list in-region with consent honoured, aggregates only at hq, artifacts."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import boto3
import pytest

from livebase.aggregates.export import MarketExport
from livebase.live.events import OrderLine, OrderPlaced
from livebase.privacy.consent import Purpose
from livebase.stores.consent import ConsentStore
from livebase.stores.order_table import order_model, order_record
from livebase.stores.orders import PLACED
from tests.support.hq_stack import deploy_hq, hq_market, objects_in
from tests.support.local_aws import LocalAwsStack

pytestmark = pytest.mark.slow
AS_OF = date(2026, 11, 30)
END = datetime(2026, 12, 1, tzinfo=UTC)
VIEWER_ID = re.compile(rb"v_[0-9a-f]{16,64}")


def viewer(tag: str, n: int) -> str:
    return f"v_{tag}{n:024x}"


def seed(local_aws: LocalAwsStack, tag: str) -> dict[str, list[str]]:
    """40 active buyers, 12 dormant (45 days), 8 churned (150 days), with a few repeat orders."""
    resources = local_aws.deployments["eu"].resources()
    model = order_model(resources.orders_table, resources.region)
    groups = {"active": (40, 3), "dormant": (12, 45), "churned": (8, 150)}
    viewers: dict[str, list[str]] = {}
    offset = 0
    with model.batch_write() as batch:
        for group, (count, days_ago) in groups.items():
            viewers[group] = [viewer(tag, offset + n) for n in range(count)]
            for n, viewer_id in enumerate(viewers[group]):
                for repeat in range(1 + n % 2):
                    order_id = f"ord-rp-{tag}-{offset + n}-{repeat}"
                    channel = ("room", "share_link", "campaign")[n % 3]
                    batch.save(order_record(model, OrderPlaced(
                        event_id=f"evt-{order_id}", type="order_placed", market="eu", room_id="eu-room-1",
                        session_id="s1", ts=END - timedelta(days=days_ago + 40 * repeat, hours=n % 7),
                        viewer_id=viewer_id, order_id=order_id, currency="EUR",
                        lines=(OrderLine(sku="EU-RP-1", quantity=1 + n % 3, unit_price=Decimal("19.90")),),
                        channel=channel, campaign="bf-2026" if channel == "campaign" else None,
                    ), PLACED))  # fmt: skip
            offset += count
    return viewers


def test_flow_recalls_consenting_dormant_viewers_in_region_and_sends_hq_aggregates_only(
    local_aws: LocalAwsStack, prefect_harness: None
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.regional_processing import regional_processing

    hq_bucket = deploy_hq()
    tag = uuid.uuid4().hex[:8]
    viewers = seed(local_aws, tag)
    resources = local_aws.deployments["eu"].resources()
    consent = ConsentStore.for_market(resources)
    granted, refused, withdrawn = viewers["dormant"][:6], viewers["dormant"][6:9], viewers["dormant"][9:]
    at = datetime(2026, 11, 1, tzinfo=UTC)
    for v in granted + withdrawn + viewers["active"][:5] + viewers["churned"][:3]:
        consent.record(v, Purpose.MARKETING, True, at)
    for v in refused:
        consent.record(v, Purpose.ANALYTICS, True, at)  # another purpose: no marketing consent
    for v in withdrawn:
        consent.record(v, Purpose.MARKETING, False, at + timedelta(days=10))

    result = regional_processing(markets=["eu"], as_of=AS_OF, k=5)

    s3 = boto3.client("s3", region_name=resources.region)
    recall = json.loads(s3.get_object(Bucket=resources.data_lake_bucket, Key=f"recall/eu/{AS_OF}.json")["Body"].read())
    ours = {v for v in recall["viewers"] if tag in v}
    assert ours == set(granted)  # dormant + marketing consent; not refused, withdrawn, active or churned
    outcome = result.markets[0]
    assert outcome.recall_key == f"recall/eu/{AS_OF}.json" and outcome.export_key == f"aggregates/eu/{AS_OF}.json"

    hq = hq_market()
    arrived = objects_in(hq_bucket, hq.region)
    assert f"aggregates/eu/{AS_OF}.json" in arrived
    assert not any(key.startswith("recall/") for key in arrived)
    for key, body in arrived.items():
        assert not VIEWER_ID.search(body), f"a viewer id reached hq in {key}"
    export = MarketExport.model_validate_json(arrived[f"aggregates/eu/{AS_OF}.json"])
    assert export.cells and all(c.viewers >= 5 for c in export.cells)
    gmv = export.cell("market", "all", "gmv")
    assert gmv is not None and gmv.money is not None
    assert (gmv.money.local_currency, gmv.money.hq_currency) == ("EUR", "USD")
    # the newest publication on or before the day: the offline file's last (11-27), or one another test
    # of this worker stored in hq's rate table since (the fx-rates flow's tests publish 11-30)
    assert date(2026, 11, 27) <= gmv.money.rate_date <= AS_OF
    assert export.cell("campaign", "bf-2026", "orders") is not None
    assert any(line.startswith("eu: GMV") for line in result.lines)
    assert result.rollup[-1]["market"] == "all"

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[
            "regional-processing-aggregates-eu", "regional-processing-cohorts-eu", "regional-processing-hq-rollup",
        ])))  # fmt: skip
    assert {a.key for a in artifacts} == {
        "regional-processing-aggregates-eu",
        "regional-processing-cohorts-eu",
        "regional-processing-hq-rollup",
    }
    for artifact in artifacts:
        assert not VIEWER_ID.search(str(artifact.data).encode()), f"a viewer id in artifact {artifact.key}"


def test_bad_parameters_are_refused_with_the_reason(prefect_harness: None) -> None:
    from prefect.exceptions import ParameterTypeError

    from flows.regional_processing import regional_processing

    with pytest.raises(ParameterTypeError, match="k"):
        regional_processing(markets=["eu"], k=2)
    with pytest.raises(ParameterTypeError, match=r"atlantis|sea"):
        regional_processing(markets=["atlantis"])
