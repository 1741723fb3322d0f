"""The order-to-replenish flow under Prefect's test harness, reading the deployed markets' tables."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import boto3
import pytest

from livebase.aws import from_attributes
from livebase.live.events import OrderLine, OrderPlaced
from livebase.markets.resources import MarketResources
from livebase.replenishment.catalogue import CATALOGUE_KEY
from livebase.replenishment.receiving import ReceiptStatus
from livebase.signals.supply import PO_CREATED
from livebase.stores.order_table import order_model, order_record
from livebase.stores.purchase_orders import PurchaseOrderStore
from livebase_local.simulator.stock import seed_stock, stock_store
from tests.support.local_aws import LocalAwsStack
from tests.support.pipeline import drain_queue, observe_bus
from tests.support.signals import delivered, stock_low

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
    ours = [a for a in artifacts if sku_sea in str(a.data)]  # other tests' runs publish under this key too
    assert ours and all(a.type == "table" for a in ours)


def test_unknown_market_parameter_is_refused_with_the_reason(prefect_harness: None) -> None:
    from prefect.exceptions import ParameterTypeError

    from flows.order_to_replenish import order_to_replenish

    with pytest.raises(ParameterTypeError, match="sea"):
        order_to_replenish(markets=["atlantis"])


# ---- issue 4: decisions, purchase orders, PO events, WMS hand-off, artifacts, trigger ------------

HISTORY_DAYS = 28


@dataclass
class Replenished:
    resources: MarketResources
    sku_a: str  # fast seller, almost out: must be ordered
    sku_b: str  # slow seller, deep stock: no order
    sku_c: str  # fast seller of a supplier with a tiny budget: cut
    supplier: str
    capped_supplier: str
    order_ids: list[str]
    po_events_queue: str
    first: dict[str, Any]  # market -> MarketDemand of the first run
    second: dict[str, Any]  # ... of a re-run the same day
    seconds: float


def _catalogue(supplier: str, capped: str, sku_a: str, sku_b: str, sku_c: str) -> dict[str, Any]:
    return {
        "suppliers": [
            {
                "supplier_id": supplier,
                "lead_time_mean_days": 5,
                "lead_time_std_days": 1,
                "moq": 12,
                "case_pack": 6,
            },
            {"supplier_id": capped, "lead_time_mean_days": 3, "lead_time_std_days": 1, "budget_cap": "12"},
        ],
        "skus": [
            {"sku": sku_a, "supplier_id": supplier, "unit_cost": "2.50", "sku_class": "A"},
            {"sku": sku_b, "supplier_id": supplier, "unit_cost": "4"},
            {"sku": sku_c, "supplier_id": capped, "unit_cost": "5"},
        ],
    }


@pytest.fixture(scope="module")
def replenished(local_aws: LocalAwsStack, prefect_harness: None) -> Replenished:
    from flows.order_to_replenish import order_to_replenish

    resources = local_aws.deployments["sea"].resources()
    tag = uuid.uuid4().hex[:6].upper()
    sku_a, sku_b, sku_c = f"SKU-RA-{tag}", f"SKU-RB-{tag}", f"SKU-RC-{tag}"
    supplier, capped = f"SUP-{tag}", f"SUP-CAP-{tag}"
    seed_stock(resources, {sku_a: 3, sku_b: 5000, sku_c: 0})
    boto3.client("s3", region_name=resources.region).put_object(
        Bucket=resources.data_lake_bucket, Key=CATALOGUE_KEY,
        Body=json.dumps(_catalogue(supplier, capped, sku_a, sku_b, sku_c)).encode(),
    )  # fmt: skip
    model = order_model(resources.orders_table, resources.region)
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    order_ids = []
    for day in range(HISTORY_DAYS):  # one order a day over the window (today included)
        order_id = f"ord-repl-{tag}-{day:02d}"
        order_ids.append(order_id)
        order_record(model, OrderPlaced(
            event_id=f"evt-{order_id}", type="order_placed", market="sea", room_id="r", session_id="s",
            ts=today - timedelta(days=day), viewer_id="v_00112233445566778899", order_id=order_id,
            currency="SGD", lines=(
                OrderLine(sku=sku_a, quantity=4 + day % 3, unit_price=Decimal("9")),
                OrderLine(sku=sku_b, quantity=1, unit_price=Decimal("3")),
                OrderLine(sku=sku_c, quantity=5, unit_price=Decimal("8")),
            ),
        )).save()  # fmt: skip
    queue = observe_bus(resources, {"source": ["livebase.replenishment"], "detail-type": [PO_CREATED]}, "observe-po")
    started = time.perf_counter()
    first = {s.market: s for s in order_to_replenish(markets=["sea"], history_days=HISTORY_DAYS, horizon_days=7)}
    second = {s.market: s for s in order_to_replenish(markets=["sea"], history_days=HISTORY_DAYS, horizon_days=7)}
    seconds = time.perf_counter() - started
    return Replenished(resources, sku_a, sku_b, sku_c, supplier, capped, order_ids, queue, first, second, seconds)


def test_decisions_order_what_runs_out_on_the_catalogue_terms(replenished: Replenished) -> None:
    rows = {row.sku: row for row in replenished.first["sea"].decisions}
    a, b, c = rows[replenished.sku_a], rows[replenished.sku_b], rows[replenished.sku_c]
    assert a.order_qty >= 12 and a.order_qty % 6 == 0  # MOQ 12, case pack 6
    assert a.on_hand == 3 and a.sku_class == "A" and a.supplier == replenished.supplier
    assert a.reorder_point > a.on_hand and a.order_qty >= a.order_up_to - a.on_hand
    assert 4 <= a.demand_per_day <= 6 and a.demand_source.startswith("forecast:")  # forecaster used
    assert b.order_qty == 0 and "above reorder point" in b.reasons
    assert c.order_qty == 2 and "cut from" in c.reasons  # budget 12 at unit cost 5
    assert replenished.first["sea"].catalogue == f"s3://{replenished.resources.data_lake_bucket}/{CATALOGUE_KEY}"


def test_one_purchase_order_per_supplier_is_written_and_announced(replenished: Replenished) -> None:
    resources, supplier = replenished.resources, replenished.supplier
    qty = {row.sku: row.order_qty for row in replenished.first["sea"].decisions}
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    po_id = f"PO-sea-{supplier}-{datetime.now(UTC):%Y%m%d}"
    item = from_attributes(
        dynamodb.get_item(TableName=resources.purchase_orders_table, Key={"po_id": {"S": po_id}})["Item"]
    )
    assert item["status"] == "open" and item["announced"] is True and item["currency"] == "SGD"
    assert [(line["sku"], int(line["quantity"])) for line in item["lines"]] == [
        (replenished.sku_a, qty[replenished.sku_a])
    ]
    assert Decimal(item["total_cost"]) == Decimal("2.50") * qty[replenished.sku_a]

    events = [
        e
        for e in drain_queue(replenished.po_events_queue, resources.region)
        if e["detail"]["supplier"] in (supplier, replenished.capped_supplier)
    ]
    assert sorted(e["detail"]["supplier"] for e in events) == sorted([supplier, replenished.capped_supplier])
    mine = next(e for e in events if e["detail"]["supplier"] == supplier)
    assert mine["source"] == "livebase.replenishment" and mine["detail-type"] == "PurchaseOrderCreated"
    assert mine["detail"]["po_id"] == po_id and mine["detail"]["lines"][0]["quantity"] == qty[replenished.sku_a]


def test_a_rerun_the_same_day_neither_duplicates_nor_reannounces(replenished: Replenished) -> None:
    resources = replenished.resources
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    mine = [
        po for page in dynamodb.get_paginator("scan").paginate(TableName=resources.purchase_orders_table)
        for po in page["Items"] if po["supplier"]["S"] in (replenished.supplier, replenished.capped_supplier)
    ]  # fmt: skip
    assert len(mine) == 2
    again = {row.sku: row for row in replenished.second["sea"].decisions}
    assert again[replenished.sku_a].on_order > 0  # the first PO counts as on order
    assert all(not po["created"] for po in replenished.second["sea"].purchase_orders)
    events = drain_queue(replenished.po_events_queue, resources.region)
    assert not [e for e in events if e["detail"]["supplier"] == replenished.supplier]


def test_placed_orders_are_handed_to_the_wms_once(replenished: Replenished) -> None:
    resources = replenished.resources
    messages = drain_queue(resources.wms_queue_url, resources.region)
    ours = [m for m in messages if m["order_id"] in replenished.order_ids]
    assert sorted(m["order_id"] for m in ours) == sorted(replenished.order_ids)  # each exactly once
    sample = ours[0]
    assert sample["type"] == "pick_pack" and sample["warehouse"] == "WH-SEA-1"
    assert "viewer_id" not in sample and {line["sku"] for line in sample["lines"]} == {
        replenished.sku_a,
        replenished.sku_b,
        replenished.sku_c,
    }
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    order = dynamodb.get_item(TableName=resources.orders_table, Key={"order_id": {"S": replenished.order_ids[0]}})
    assert order["Item"]["wms_status"]["S"] == "sent"


def test_artifacts_show_the_decisions_and_the_trajectory_plot(replenished: Replenished) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        tables = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["order-to-replenish-decisions-sea"]))
        )
        plots = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["order-to-replenish-plot-sea"]))
        )
    assert tables and all(t.type == "table" for t in tables)
    ordered = next(r for r in replenished.first["sea"].decisions if r.sku == replenished.sku_a)
    shown = [
        row
        for table in tables
        for row in (table.data if isinstance(table.data, list) else json.loads(str(table.data)))
        if row["sku"] == replenished.sku_a
    ]
    assert len(shown) == 2  # one row per run, first run's order as decided
    first = next(row for row in shown if row["order_qty"] == ordered.order_qty)
    assert first["reorder_point"] == ordered.reorder_point and "reorder point" in first["reasons"]
    assert first["demand_source"] == ordered.demand_source and first["sku_class"] == "A"
    assert list(first)[:3] == ["sku", "order_qty", "reasons"] and list(first)[-1] == "demand_source"  # issue 30

    ours = [str(p.data) for p in plots if replenished.sku_a in str(p.data)]
    assert ours and all(p.type == "markdown" for p in plots)
    encoded = ours[0].split("data:image/png;base64,", 1)[1].split(")", 1)[0]
    assert base64.b64decode(encoded)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "reorder point" in ours[0] and CATALOGUE_KEY in ours[0]


def test_the_full_flow_stays_fast(replenished: Replenished) -> None:
    print(f"two runs of order-to-replenish on sea: {replenished.seconds:.1f} s")
    assert replenished.first["sea"].wms_handed_off >= len(replenished.order_ids)


def test_a_dry_run_decides_on_default_terms_and_writes_nothing(local_aws: LocalAwsStack, prefect_harness: None) -> None:
    resources = local_aws.deployments["eu"].resources()
    sku = f"SKU-DRY-{uuid.uuid4().hex[:6].upper()}"
    with _no_catalogue(resources):
        _decide_a_dry_run(resources, sku)


@contextmanager
def _no_catalogue(resources: MarketResources) -> Iterator[None]:
    """The market's catalogue object moved aside while the test runs (other tests on this worker list SKUs in it)."""
    s3 = boto3.client("s3", region_name=resources.region)
    try:
        kept: bytes | None = s3.get_object(Bucket=resources.data_lake_bucket, Key=CATALOGUE_KEY)["Body"].read()
    except s3.exceptions.NoSuchKey:
        kept = None
    s3.delete_object(Bucket=resources.data_lake_bucket, Key=CATALOGUE_KEY)
    try:
        yield
    finally:
        if kept is not None:
            s3.put_object(Bucket=resources.data_lake_bucket, Key=CATALOGUE_KEY, Body=kept)


def _decide_a_dry_run(resources: MarketResources, sku: str) -> None:
    from flows.order_to_replenish import order_to_replenish

    seed_stock(resources, {sku: 1})
    model = order_model(resources.orders_table, resources.region)
    order_ids = [f"ord-dry-{sku}-{day}" for day in range(14)]
    for day, order_id in enumerate(order_ids):
        order_record(model, OrderPlaced(
            event_id=f"evt-{order_id}", type="order_placed", market="eu", room_id="r", session_id="s",
            ts=datetime.now(UTC) - timedelta(days=day), viewer_id="v_00112233445566778899",
            order_id=order_id, currency="EUR",
            lines=(OrderLine(sku=sku, quantity=3, unit_price=Decimal("5")),),
        )).save()  # fmt: skip

    [summary] = order_to_replenish(markets=["eu"], history_days=14, dry_run=True)

    row = next(r for r in summary.decisions if r.sku == sku)
    assert row.order_qty > 0 and row.supplier == "default-supplier" and row.sku_class in ("A", "B", "C")
    assert summary.catalogue.startswith(f"defaults (no s3://{resources.data_lake_bucket}/{CATALOGUE_KEY})")
    assert summary.purchase_orders == [] and summary.wms_handed_off == 0
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    pos = [
        from_attributes(po)
        for page in dynamodb.get_paginator("scan").paginate(TableName=resources.purchase_orders_table)
        for po in page["Items"]
    ]
    assert not [po for po in pos if any(line["sku"] == sku for line in po["lines"])]
    order = dynamodb.get_item(TableName=resources.orders_table, Key={"order_id": {"S": order_ids[0]}})["Item"]
    assert "wms_status" not in order


def test_bad_parameters_are_refused_by_the_flow_and_by_the_deployment_schema(prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ParameterTypeError, PrefectHTTPStatusError

    from flows.order_to_replenish import order_to_replenish

    with pytest.raises(ParameterTypeError, match="history_days"):
        order_to_replenish(markets=["sea"], history_days=3)

    deployment_id = _apply_deployment("schema-check")
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"history_days": 3}, "minimum of 14"),
        ({"horizon_days": 61}, "horizon_days"),
        ({"markets": ["atlantis"]}, "markets"),
    ]
    with get_client(sync_client=True) as client:
        for bad, reason in refusals:
            with pytest.raises(PrefectHTTPStatusError, match="409") as refused:
                client.create_flow_run_from_deployment(deployment_id, parameters=bad)
            assert reason in refused.value.response.text
        ok = client.create_flow_run_from_deployment(deployment_id, parameters={"markets": ["eu"], "dry_run": True})
        assert ok.parameters == {"markets": ["eu"], "dry_run": True}


def _apply_deployment(prefix: str) -> UUID:
    """The deployment as ``flows.deployments`` builds it (stock.low trigger included), on the harness."""
    from flows.order_to_replenish import order_to_replenish
    from flows.triggers import stock_low_trigger

    deployment: Any = order_to_replenish.to_deployment(
        name=f"{prefix}-{uuid.uuid4().hex[:6]}", triggers=[stock_low_trigger()]
    )
    deployment_id: UUID = deployment.apply()
    return deployment_id


def test_a_stock_low_event_on_the_bus_starts_a_run_for_that_market(prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from flows.triggers import forward_stock_signal

    deployment_id = _apply_deployment("trigger-check")
    time.sleep(2)  # the server loads new automations on a short cycle
    event = delivered(stock_low(sku="SKU-LOW-1", market="eu", warehouse="WH-EU-1", remaining=2))
    assert forward_stock_signal(event) is not None
    runs: list[Any] = []
    deadline = time.monotonic() + 45
    with get_client(sync_client=True) as client:
        while not runs and time.monotonic() < deadline:
            time.sleep(1)
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
            )
    assert runs, "no flow run within 45 s of the stock.low event"
    assert runs[0].parameters == {"markets": ["eu"]}


def test_goods_received_against_the_purchase_order_raise_stock_and_close_it(replenished: Replenished) -> None:
    """The PO the flow wrote, received in two deliveries (one delivered twice) and one refused."""
    from livebase_local.commands.receive import parse_receipt, receive

    resources = replenished.resources
    store = PurchaseOrderStore.for_market(resources)
    (po,) = [p for p in store.open_orders("sea") if p["supplier"] == replenished.supplier]
    ordered = {line["sku"]: line["quantity"] for line in po["lines"]}
    sku = replenished.sku_a
    before = stock_store(resources).get(sku, "WH-SEA-1")
    assert before is not None and ordered[sku] >= 2
    first = parse_receipt(po["po_id"], [f"{sku}=1"], receipt_id=f"RCV-{sku}-1")
    assert receive(resources, first).status is ReceiptStatus.BOOKED
    assert receive(resources, first).status is ReceiptStatus.DUPLICATE  # the WMS sent it twice
    over = receive(resources, parse_receipt(po["po_id"], [f"{sku}={ordered[sku]}"], receipt_id=f"RCV-{sku}-X"))
    assert over.status is ReceiptStatus.REFUSED and "over-receipt" in over.reason
    rest = [f"{s}={n - (1 if s == sku else 0)}" for s, n in ordered.items()]
    last = receive(resources, parse_receipt(po["po_id"], rest, receipt_id=f"RCV-{sku}-2"))
    assert last.status is ReceiptStatus.BOOKED and last.po_closed
    after = stock_store(resources).get(sku, "WH-SEA-1")
    assert after is not None and after.available == before.available + ordered[sku]
    assert [p for p in store.open_orders("sea") if p["po_id"] == po["po_id"]] == []
