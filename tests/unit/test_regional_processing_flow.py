"""The regional-processing flow under Prefect's harness on an in-process moto: eu's tables and
bucket in eu-central-1, hq's stack and bucket in ap-northeast-1 (fast; the integration test runs
it against the real deployed stacks)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import boto3
import pytest

from livebase.aggregates.export import MarketExport
from livebase.live.events import OrderLine, OrderPlaced
from livebase.markets.config import hq_market, load_markets
from livebase.markets.resources import MarketResources
from livebase.privacy.consent import Purpose
from livebase.stores.consent import ConsentStore
from livebase.stores.order_table import order_model, order_record
from livebase.stores.orders import PLACED
from tests.support.flow_markets import EU, eu_flow_market

HQ = hq_market(load_markets())
AS_OF = date(2026, 11, 30)
VIEWER_ID = re.compile(rb"v_[0-9a-f]{16,64}")


@pytest.fixture
def eu_market(aws: object, monkeypatch: pytest.MonkeyPatch, prefect_harness: None) -> MarketResources:
    import flows.regional_processing as module

    resources = eu_flow_market(monkeypatch, module, "rp", "rp-hq-lake")
    return resources


def seed(resources: MarketResources) -> dict[str, list[str]]:
    model = order_model(resources.orders_table, resources.region)
    end = datetime(2026, 12, 1, tzinfo=UTC)
    groups = {"active": (30, 2), "dormant": (15, 50), "churned": (10, 200)}
    viewers: dict[str, list[str]] = {}
    n = 0
    for group, (count, days) in groups.items():
        viewers[group] = []
        for _ in range(count):
            viewer = f"v_{n:032x}"
            viewers[group].append(viewer)
            order_record(model, OrderPlaced(
                event_id=f"evt-rp-{n:05d}", type="order_placed", market="eu", room_id="eu-room-1", session_id="s",
                ts=end - timedelta(days=days), viewer_id=viewer, order_id=f"ord-rp-{n:05d}", currency="EUR",
                lines=(OrderLine(sku="EU-RP-1", quantity=1, unit_price=Decimal("10")),),
                channel="share_link" if n % 2 else None,
            ), PLACED).save()  # fmt: skip
            n += 1
    return viewers


def test_the_flow_keeps_the_recall_list_in_region_and_sends_hq_aggregates_only(eu_market: MarketResources) -> None:
    from flows.regional_processing import regional_processing

    viewers = seed(eu_market)
    consent = ConsentStore.for_market(eu_market)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    for viewer in viewers["dormant"][:8] + viewers["active"][:4]:
        consent.record(viewer, Purpose.MARKETING, True, at)
    consent.record(viewers["dormant"][0], Purpose.MARKETING, False, at + timedelta(days=1))  # withdrawn

    result = regional_processing(markets=["eu"], as_of=AS_OF, k=5, scan_segments=3)

    s3_eu = boto3.client("s3", region_name=EU)
    recall = json.loads(
        s3_eu.get_object(Bucket=eu_market.data_lake_bucket, Key=f"recall/eu/{AS_OF}.json")["Body"].read()
    )
    assert recall["viewers"] == sorted(viewers["dormant"][1:8])
    s3_hq = boto3.client("s3", region_name=HQ.region)
    keys = [o["Key"] for o in s3_hq.list_objects_v2(Bucket="rp-hq-lake").get("Contents", [])]
    assert keys == [f"aggregates/eu/{AS_OF}.json"]
    body = s3_hq.get_object(Bucket="rp-hq-lake", Key=keys[0])["Body"].read()
    assert not VIEWER_ID.search(body)
    export = MarketExport.model_validate_json(body)
    assert all(c.viewers >= 5 for c in export.cells)
    stages = {c.key: c.value for c in export.cells if c.dimension == "stage"}
    assert stages == {"new": 30, "dormant": 15, "churned": 10}  # one order each: the recent ones are new
    orders = export.cell("market", "all", "orders")
    assert orders is not None and orders.value == 55
    assert result.markets[0].recalled == 7 and result.markets[0].orders == 55
    assert result.lines[0].startswith("eu: GMV 581.35 USD (1 EUR = 1.057000 USD (2026-11-27)), orders 55")
