"""Adversarial residency suite: EU viewer data pushed down every path out of eu-central-1 that the
code has (the export to hq, the bus and its bridge to Prefect, the flows and their artifacts, the
SageMaker job input, replay), asserting that nothing personal arrives at hq or another market.

Each test plants viewer ids of its own (``v_<tag>...``) and contact data in EU records, then looks
where they must not be: hq's bucket (ap-northeast-1), sea's bucket, queues and stream
(ap-southeast-1), Prefect's artifacts and events, SageMaker jobs of other regions; and where the
guard kept what it refused: EU's own quarantine, with the reasons (which never quote the data).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from pydantic import ValidationError

from flows import regional_io
from livebase.aggregates.export import AggregateCell, MarketExport
from livebase.live.events import OrderLine, OrderPlaced
from livebase.markets.config import load_markets
from livebase.markets.residency import ResidencyViolation, may_send
from livebase.stores.order_table import order_model, order_record
from livebase.stores.orders import PLACED
from tests.support.hq_stack import deploy_hq, hq_market, objects_in
from tests.support.local_aws import LocalAwsStack
from tests.support.signals import delivered, stock_low, viewer_drop

pytestmark = pytest.mark.slow
MARKETS = load_markets()
EU, SEA = MARKETS["eu"], MARKETS["sea"]
AS_OF = date(2026, 11, 30)
EMAIL = "jana.schmidt@example.de"


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:8]


def planted(tag: str, n: int) -> str:
    return f"v_{tag}{n:024x}"


def leaked(tag: str, blob: bytes | str) -> bool:
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    return bool(re.search(rf"v_{tag}[0-9a-f]{{24}}", text)) or EMAIL in text


def seed_eu_orders(local_aws: LocalAwsStack, tag: str, viewers: int = 30) -> None:
    resources = local_aws.deployments["eu"].resources()
    model = order_model(resources.orders_table, resources.region)
    with model.batch_write() as batch:
        for n in range(viewers):
            order_id = f"ord-adv-{tag}-{n}"
            batch.save(order_record(model, OrderPlaced(
                event_id=f"evt-{order_id}", type="order_placed", market="eu", room_id="eu-room-adv",
                session_id="s1", ts=datetime(2026, 11, 29, tzinfo=UTC) - timedelta(days=n), viewer_id=planted(tag, n),
                order_id=order_id, currency="EUR",
                lines=(OrderLine(sku="EU-ADV-1", quantity=1, unit_price=Decimal("9.99")),),
            ), PLACED))  # fmt: skip


def hq_objects() -> dict[str, bytes]:
    return objects_in(deploy_hq(), hq_market().region)


# ---- the guard and the export schema ---------------------------------------------------------------
def test_the_guard_lets_personal_data_nowhere_outside_its_region() -> None:
    hq = hq_market()
    assert not may_send(EU, hq, personal=True)
    assert not may_send(EU, SEA, personal=True)
    assert may_send(EU, EU, personal=True)
    assert may_send(EU, hq, personal=False)


def test_the_export_schema_cannot_carry_a_viewer_row() -> None:
    cell = {"dimension": "segment", "key": "champions", "metric": "viewers", "viewers": 50, "value": 50}
    for smuggled in ({"viewer_id": "v_00112233445566778899"}, {"email": EMAIL}, {"viewers_list": ["a"]}):
        with pytest.raises(ValidationError):
            AggregateCell.model_validate({**cell, **smuggled})
    with pytest.raises(ValidationError):
        AggregateCell.model_validate({**cell, "key": "v_00112233445566778899"})
    with pytest.raises(ValidationError):
        AggregateCell.model_validate({**cell, "key": EMAIL})
    with pytest.raises(ValidationError, match="fewer than k"):
        MarketExport.model_validate(
            {"market": "eu", "as_of": "2026-11-30", "k": 10, "suppressed_cells": 0, "cells": [{**cell, "viewers": 1}]}
        )
    with pytest.raises(ValidationError):
        MarketExport.model_validate(
            {"market": "eu", "as_of": "2026-11-30", "k": 10, "suppressed_cells": 0, "cells": [], "rows": [{}]}
        )


# ---- the export to hq --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "document",
    [
        '{"market": "eu", "note": "top buyer v_%s000000000000000000000001"}',
        '{"market": "eu", "contact": "%s ' + EMAIL + '"}',
        '{"market": "eu", "viewer_id": "%s"}',
        '{"market": "eu", "hotline": "%s +49 30 1234 5678"}',
    ],
)
def test_a_personal_document_sent_to_hq_is_refused_and_kept_in_the_eu_quarantine(
    local_aws: LocalAwsStack, tag: str, document: str
) -> None:
    resources = local_aws.deployments["eu"].resources()
    body = document % tag
    key = f"aggregates/eu/adversarial-{tag}.json"
    with pytest.raises(ResidencyViolation, match="refused"):
        regional_io.send_to_hq(EU, resources, hq_market(), deploy_hq(), body, key)
    assert key not in hq_objects()
    kept = boto3.client("s3", region_name=EU.region).get_object(
        Bucket=resources.data_lake_bucket, Key=f"quarantine/eu/regional-processing/{key.replace('/', '_')}"
    )
    held = json.loads(kept["Body"].read())
    assert held["document"] == body and held["reasons"]  # nothing lost, and why
    assert not any(tag in r for r in held["reasons"])  # the reasons never quote the data


# ---- the flows and their artifacts -----------------------------------------------------------------
def test_flows_over_eu_viewer_data_leave_nothing_personal_at_hq_sea_or_in_prefect(
    local_aws: LocalAwsStack, prefect_harness: None, tag: str
) -> None:
    from prefect.client.orchestration import get_client

    from flows.order_to_replenish import order_to_replenish
    from flows.regional_processing import regional_processing

    seed_eu_orders(local_aws, tag)
    deploy_hq()
    result = regional_processing(markets=["eu"], as_of=AS_OF, k=5)
    order_to_replenish(markets=["eu"], dry_run=True, as_of=AS_OF)

    assert not leaked(tag, result.model_dump_json())
    for key, body in hq_objects().items():
        assert not leaked(tag, body), f"EU viewer data at hq: {key}"
    sea = local_aws.deployments["sea"].resources()
    for key, body in objects_in(sea.data_lake_bucket, sea.region).items():
        assert not leaked(tag, body), f"EU viewer data in sea's data lake: {key}"
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts()
    assert artifacts
    for artifact in artifacts:
        assert not leaked(tag, json.dumps(artifact.data, default=str)), f"EU viewer data in artifact {artifact.key}"
    # In-region, the recall list may hold them (personal data staying home): proof the data were there.
    eu = local_aws.deployments["eu"].resources()
    assert any(leaked(tag, b) for b in objects_in(eu.data_lake_bucket, eu.region).values() if b)


# ---- the bus and its bridge to Prefect -------------------------------------------------------------
def _template(local_aws: LocalAwsStack, market: str) -> dict[str, Any]:
    return json.loads((local_aws.assembly_dir / f"Livebase-{market}.template.json").read_text())


def test_every_rule_on_the_eu_bus_targets_something_of_the_eu_stack(local_aws: LocalAwsStack) -> None:
    """The bus cannot carry anything out: each target is a resource of the same stack (same region), or
    Prefect's API destination (whose input is the bridge's whitelisted fields, tested below)."""
    resources = _template(local_aws, "eu")["Resources"]
    rules = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    assert rules
    for rule in rules:
        for target in rule["Properties"].get("Targets", []):
            arn = json.dumps(target["Arn"])
            assert "Fn::GetAtt" in arn or "Ref" in arn, f"a rule targets something outside the stack: {arn}"
            referenced = re.findall(r'"(?:Fn::GetAtt|Ref)": \[?"([A-Za-z0-9]+)"', arn)
            assert referenced and all(name in resources for name in referenced), arn
            assert not any(other.region in arn for other in MARKETS.values() if other.region != EU.region)


def test_the_stock_signal_bridge_forwards_only_the_signal_fields_to_prefect(tag: str) -> None:
    from flows.triggers import forward_stock_signal

    emitted: list[dict[str, Any]] = []
    signal = stock_low(market="eu", sku="EU-ADV-1", warehouse="eu-main", remaining=1, low_mark=5)
    event = delivered(signal, viewer_id=planted(tag, 2), contact=EMAIL)
    forward_stock_signal(event, emit=lambda **kwargs: emitted.append(kwargs))
    assert emitted and not leaked(tag, json.dumps(emitted, default=str))


def test_the_room_alert_bridge_forwards_nothing_personal_to_prefect(tag: str) -> None:
    from flows.room_alerts import forward_room_alert

    emitted: list[dict[str, Any]] = []
    event = delivered(viewer_drop(market="eu", room_id="eu-room-adv"), top_buyer=planted(tag, 3))
    forward_room_alert(event, emit=lambda **kwargs: emitted.append(kwargs))
    assert emitted and not leaked(tag, json.dumps(emitted, default=str))


# ---- the SageMaker job --------------------------------------------------------------------------------
def test_the_forecast_job_of_eu_runs_in_eu_on_eu_data_only(local_aws: LocalAwsStack) -> None:
    from flows.forecast_scaleout import forecast_scaleout

    resources = local_aws.deployments["eu"].resources()
    name = forecast_scaleout.fn(
        market="eu", image_uri="000000000000.dkr.ecr.eu-central-1.amazonaws.com/livebase:1",
        role_arn="arn:aws:iam::000000000000:role/livebase-eu-forecast",
        kms_key_arn="arn:aws:kms:eu-central-1:000000000000:key/adversarial", run_date=date(2026, 11, 21),
    )  # fmt: skip
    job = boto3.client("sagemaker", region_name=EU.region).describe_processing_job(ProcessingJobName=name)
    uris = [i["S3Input"]["S3Uri"] for i in job["ProcessingInputs"]] + [
        o["S3Output"]["S3Uri"] for o in job["ProcessingOutputConfig"]["Outputs"]
    ]
    assert uris and all(uri.startswith(f"s3://{resources.data_lake_bucket}/") for uri in uris)
    assert ":eu-central-1:" in job["ProcessingOutputConfig"]["KmsKeyId"]
    for region in (SEA.region, hq_market().region):
        jobs = boto3.client("sagemaker", region_name=region).list_processing_jobs()["ProcessingJobSummaries"]
        assert name not in {j["ProcessingJobName"] for j in jobs}


# ---- the guard on the remaining paths: each refusal kept in the EU quarantine with its reason ----------
def kept_in_eu(local_aws: LocalAwsStack, refused: pytest.ExceptionInfo[ResidencyViolation], tag: str) -> dict[str, Any]:
    """The refused document where the error says it was kept (EU's lake, eu-central-1): all of it, and why."""
    message = str(refused.value)
    assert not leaked(tag, message)  # the error names the path and reasons, never the data
    match = re.search(rf"kept in {EU.region} at (\S+)", message)
    assert match, message
    bucket = local_aws.deployments["eu"].resources().data_lake_bucket
    held = json.loads(boto3.client("s3", region_name=EU.region).get_object(Bucket=bucket, Key=match[1])["Body"].read())
    assert held["condition"] == "ResidencyRefused" and held["reasons"] and leaked(tag, held["document"])
    assert not any(leaked(tag, reason) for reason in held["reasons"])
    return dict(held)


def drain(queue_url: str, region: str) -> list[str]:
    sqs = boto3.client("sqs", region_name=region)
    bodies = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
        for message in batch:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_a_bus_entry_with_eu_viewer_data_never_reaches_the_bus_or_its_targets(
    local_aws: LocalAwsStack, tag: str
) -> None:
    """The bus fans out to ops, suppliers and Prefect: ``put_all`` refuses the whole put, keeps the entry."""
    from livebase.aws import put_all
    from livebase.privacy.refused import RefusedDocuments
    from livebase.signals.rooms import DETAIL_TYPES, ROOM_EVENT_SOURCE, AlertKind

    eu = local_aws.deployments["eu"].resources()
    detail = {
        "market": "eu",
        "room_id": "eu-room-adv",
        "kind": str(AlertKind.VIEWER_DROP),
        "top_buyer": planted(tag, 4),
    }
    entries = [{"Source": ROOM_EVENT_SOURCE, "DetailType": DETAIL_TYPES[AlertKind.VIEWER_DROP],
                "Detail": json.dumps(detail), "EventBusName": eu.event_bus_name}]  # fmt: skip
    events = boto3.client("events", region_name=EU.region)
    with pytest.raises(ResidencyViolation, match="bus entry of market 'eu'") as refused:
        put_all(events, entries, source=EU, keep=RefusedDocuments.of_market(eu, "ingest").keep)
    kept_in_eu(local_aws, refused, tag)
    sea = local_aws.deployments["sea"].resources()
    for url, region in ((eu.room_alert_signals_queue_url, EU.region), (sea.room_alert_signals_queue_url, SEA.region)):
        assert not any(leaked(tag, body) for body in drain(url, region))  # the room-alert rule's queue


def test_a_replay_of_eu_dead_letters_into_another_market_is_refused_and_kept(
    local_aws: LocalAwsStack, tag: str
) -> None:
    import base64

    from livebase.batches.quarantine import QuarantinedRecord, dlq_message
    from livebase_local.commands.replay import replay_dead_letters

    eu, sea = local_aws.deployments["eu"].resources(), local_aws.deployments["sea"].resources()
    event = {"schema_version": 1, "event_id": f"adv-{tag}", "type": "viewer_joined", "market": "eu",
             "room_id": "eu-room-adv", "session_id": "s1", "ts": "2026-12-01T10:00:00Z",
             "viewer_id": planted(tag, 5)}  # fmt: skip
    data = base64.b64encode(json.dumps(event).encode()).decode()
    record = QuarantinedRecord("1", "eu-room-adv", "shardId-000000000000", "test", data)
    sqs = boto3.client("sqs", region_name=EU.region)
    sqs.send_message(QueueUrl=eu.ingest_dlq_url, MessageBody=dlq_message("eu", record, f"quarantine/eu/adv/{tag}"))
    kinesis = boto3.client("kinesis", region_name=SEA.region)
    shards = kinesis.list_shards(StreamName=sea.stream_name)["Shards"]
    iterators = [kinesis.get_shard_iterator(StreamName=sea.stream_name, ShardId=s["ShardId"],
                                            ShardIteratorType="LATEST")["ShardIterator"] for s in shards]  # fmt: skip
    with pytest.raises(ResidencyViolation, match="replay record of market 'eu' to 'sea'") as refused:
        replay_dead_letters(eu, invoke_orders=lambda e: {"batchItemFailures": []}, into=sea)
    held = kept_in_eu(local_aws, refused, tag)
    assert "/replay/residency/" in str(refused.value) and planted(tag, 5) in held["document"]
    arrived = [r["Data"] for it in iterators for r in kinesis.get_records(ShardIterator=it)["Records"]]
    assert not any(leaked(tag, data) for data in arrived)  # nothing reached sea's stream
    # Nothing lost: the dead letter is still on EU's DLQ (visible again after its minute), in the EU.
    names = ["ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=eu.ingest_dlq_url, AttributeNames=names)["Attributes"]
    assert int(attributes[names[0]]) >= 1  # in flight for its minute, not deleted


def test_the_forecast_job_input_with_eu_viewer_data_is_refused_and_kept(
    local_aws: LocalAwsStack, tag: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SageMaker job (container, logs, outputs) may see sales per SKU and day only."""
    from flows.demand_forecasting_job import main

    eu = local_aws.deployments["eu"].resources()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "sales.csv").write_text(f"id,ds,y\nEU-ADV-1,2026-11-01,3\n{planted(tag, 6)},2026-11-02,1\n")
    monkeypatch.setenv("AWS_REGION", EU.region)
    args = ["--market", "eu", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"),
            "--horizon", "7", "--quarantine-bucket", eu.data_lake_bucket]  # fmt: skip
    with pytest.raises(ResidencyViolation, match="forecast job input of market 'eu' to 'forecast-job'") as refused:
        main(args)
    kept_in_eu(local_aws, refused, tag)
    out = tmp_path / "out"
    assert not out.exists() or not any(leaked(tag, p.read_text()) for p in out.iterdir())


def test_an_artifact_with_eu_viewer_data_never_reaches_prefect(
    local_aws: LocalAwsStack, prefect_harness: None, tag: str
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.artifacts import publish_markdown, publish_table

    key = f"adversarial-{tag}"
    with pytest.raises(ResidencyViolation, match=f"artifact '{key}' of market 'eu' to 'offregion'") as refused:
        publish_table("eu", key, [{"segment": "champions", "buyer": planted(tag, 7), "orders": 3}], "top buyers")
    kept_in_eu(local_aws, refused, tag)
    with pytest.raises(ResidencyViolation) as refused:
        publish_markdown("eu", key, f"top buyer: {EMAIL} ({tag})", "top buyer")
    kept_in_eu(local_aws, refused, tag)
    with get_client(sync_client=True) as client:
        assert not client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
