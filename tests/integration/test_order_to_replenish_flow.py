"""The order-to-replenish flow under Prefect's test harness, reading the deployed markets' tables."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from livebase.events import OrderLine, OrderPlaced
from livebase.orders import order_model, order_record
from tests.integration.conftest import LocalAwsStack

pytestmark = pytest.mark.slow


def seed_orders(local_aws: LocalAwsStack, market: str, sku: str, quantities: list[int]) -> None:
    resources = local_aws.deployments[market].resources()
    model = order_model(resources.orders_table, resources.region)
    currency = {"sea": "SGD", "eu": "EUR"}[market]
    for quantity in quantities:
        order_id = f"ord-flow-{uuid.uuid4().hex[:12]}"
        order_record(model, OrderPlaced(
            event_id=f"evt-{order_id}", type="order_placed", market=market, room_id="r", session_id="s",
            ts=datetime(2026, 11, 25, tzinfo=UTC), viewer_id="v_00112233445566778899", order_id=order_id,
            currency=currency, lines=(OrderLine(sku=sku, quantity=quantity, unit_price=Decimal("5")),),
        )).save()  # fmt: skip


def test_flow_summarises_units_per_sku_per_market_and_publishes_a_table(
    local_aws: LocalAwsStack, prefect_harness: None
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.order_to_replenish import order_to_replenish

    sku_sea, sku_eu = f"SKU-SEA-{uuid.uuid4().hex[:6].upper()}", f"SKU-EU-{uuid.uuid4().hex[:6].upper()}"
    seed_orders(local_aws, "sea", sku_sea, [1, 2, 3])
    seed_orders(local_aws, "eu", sku_eu, [4])

    summaries = {s.market: s for s in order_to_replenish(markets=["sea", "eu"])}

    assert summaries["sea"].units_per_sku[sku_sea] == 6
    assert summaries["eu"].units_per_sku[sku_eu] == 4
    assert sku_eu not in summaries["sea"].units_per_sku  # each market reads only its own region
    assert summaries["eu"].currency == "EUR"
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["order-to-replenish-units"]))
        )
    assert artifacts and artifacts[0].type == "table"
    assert sku_sea in str(artifacts[0].data)


def test_unknown_market_parameter_is_refused_with_the_reason(prefect_harness: None) -> None:
    from prefect.exceptions import ParameterTypeError

    from flows.order_to_replenish import order_to_replenish

    with pytest.raises(ParameterTypeError, match="sea"):
        order_to_replenish(markets=["atlantis"])
