"""Studio devices on the local AWS: a camera's degrading telemetry on the studio stream (where
the IoT rule puts it) → the studio consumer (the event-source runner, the mapping's settings) →
a warning and a failover on the market bus → the stack's rules → the failover function (the
switch recorded: moto has no IoT delivery to read back nor MediaLive schedules) and the ops topic."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from infra_cdk.components.studio import OUTPUT_DLQ, OUTPUT_STREAM, OUTPUT_TABLE
from livebase.signals.studio import DEVICE_FAILOVER, DEVICE_WARNING, STUDIO_EVENT_SOURCE
from livebase.studio.failover import BACKUP_ATTACHMENT, switch_topic
from livebase.studio.telemetry import DeviceKind, Telemetry
from livebase_local.runner.bus_targets import BusTargets
from livebase_local.runner.recorded_switches import recorded_switches
from livebase_local.simulator.studio import degrading_camera, publish
from tests.support.local_aws import LocalAwsStack, stack_resource
from tests.support.pipeline import Pipeline, drain_queue, observe_bus, open_pipeline

pytestmark = pytest.mark.slow


def _start() -> datetime:
    """Ten minutes ago, taken when the test runs: the failover rule drops events over 15 minutes old
    (``FAILOVER_MAX_EVENT_AGE``), so a time fixed at collection went stale in the full suite."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def _ops_listener(pipeline: Pipeline) -> str:
    resources = pipeline.resources
    sqs, sns = boto3.client("sqs", region_name=resources.region), boto3.client("sns", region_name=resources.region)
    topic = stack_resource(resources, "SignalsOpsTopic", "AWS::SNS::Topic")
    queue_url = sqs.create_queue(QueueName=f"ops-studio-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return queue_url


def _send(local_aws: LocalAwsStack, pipeline: Pipeline, market: str, samples: list[Telemetry]) -> None:
    kinesis = boto3.client("kinesis", region_name=pipeline.resources.region)
    publish(kinesis, local_aws.deployments[market].outputs[OUTPUT_STREAM], samples)
    pipeline.sources.drain(timeout=120)


def _ours(messages: list[dict[str, Any]], room: str) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("detail", {}).get("room_id") == room]


def test_a_degrading_camera_is_warned_then_its_room_switched_once_and_ops_told(local_aws: LocalAwsStack) -> None:
    sea = open_pipeline(local_aws, "sea")
    deployment = local_aws.deployments["sea"]
    targets = BusTargets.load([(sea.resources, deployment)], local_aws.assembly_dir)
    [target] = [r.target for r in targets.running if r.target.function_name.endswith("-studio_failover")]
    assert target.dlq_url and target.attempts == 3
    targets.drain()
    left_before = targets.dead_lettered  # other tests' leftovers on the shared local AWS, not this test's
    ops = _ops_listener(sea)
    observed = observe_bus(sea.resources, {"source": [STUDIO_EVENT_SOURCE]}, "observe-studio")
    room = f"sea-studio-{uuid.uuid4().hex[:8]}"
    camera = degrading_camera("sea", room, start=_start())

    _send(local_aws, sea, "sea", camera)
    signals = _ours(drain_queue(observed, sea.resources.region), room)
    assert [s["detail-type"] for s in signals] == [DEVICE_WARNING, DEVICE_FAILOVER]
    warning, failover = (s["detail"] for s in signals)
    assert warning["incident_id"] == failover["incident_id"] and failover["reason"] == "predicted"
    assert datetime.fromisoformat(failover["ts"]) < camera[36].ts  # switched before the camera failed
    assert warning["predicted_seconds_to_failure"] > 60

    assert targets.drain() >= 1
    [switched] = [r for r in recorded_switches(sea.resources) if r["room"] == room]
    assert switched["incident_id"] == failover["incident_id"] and switched["kind"] == "camera"
    [call] = switched["calls"]  # a camera: the studio's switcher only, no MediaLive input switch
    assert call["service"] == "iot" and call["params"]["topic"] == switch_topic("sea", room)
    assert json.loads(call["params"]["payload"])["action"] == "switch_to_backup"

    told = _ours([json.loads(m) if isinstance(m, str) else m for m in drain_queue(ops, sea.resources.region)], room)
    assert [m["detail-type"] for m in told] == [DEVICE_WARNING, DEVICE_FAILOVER]

    # At least once, twice over: the same telemetry again and the same bus event again.
    _send(local_aws, sea, "sea", camera)
    assert _ours(drain_queue(observed, sea.resources.region), room) == []
    sqs = boto3.client("sqs", region_name=sea.resources.region)
    sqs.send_message(QueueUrl=target.queue_url, MessageBody=json.dumps(signals[1]))
    targets.drain()
    assert len([r for r in recorded_switches(sea.resources) if r["room"] == room]) == 1
    assert targets.dead_lettered == left_before
    table = boto3.resource("dynamodb", region_name=sea.resources.region).Table(deployment.outputs[OUTPUT_TABLE])
    item = table.get_item(Key={"device": f"{room}#cam-1"})["Item"]
    assert item["status"] == "failed_over" and item["incident_id"] == failover["incident_id"]


def test_an_encoder_failure_in_a_medialive_market_switches_the_channel_input(local_aws: LocalAwsStack) -> None:
    sea = open_pipeline(local_aws, "sea")
    deployment = local_aws.deployments["sea"]
    targets = BusTargets.load([(sea.resources, deployment)], local_aws.assembly_dir)
    targets.drain()
    room, start = f"sea-studio-{uuid.uuid4().hex[:8]}", _start()
    encoder = [
        Telemetry(
            market="sea",
            room_id=room,
            device_id="enc-1",
            kind=DeviceKind.ENCODER,
            ts=start + timedelta(seconds=5 * i),
            temperature_c=50.0,
            bitrate_kbps=6000.0,
            frame_drops=0,
            fault=i == 8,
        )
        for i in range(9)
    ]
    _send(local_aws, sea, "sea", encoder)
    targets.drain()
    [switched] = [r for r in recorded_switches(sea.resources) if r["room"] == room]
    assert switched["reason"] == "fault"
    iot, medialive = switched["calls"]
    assert json.loads(iot["params"]["payload"])["action"] == "backup_ingest"
    [channel] = [r for r in deployment.api_resources if r.resource_type == "AWS::MediaLive::Channel"]
    assert medialive["operation"] == "BatchUpdateSchedule" and medialive["params"]["ChannelId"] == channel.physical_id
    [action] = medialive["params"]["Creates"]["ScheduleActions"]
    assert action["ScheduleActionSettings"] == {
        "InputSwitchSettings": {"InputAttachmentNameReference": BACKUP_ATTACHMENT}
    }


def test_bad_telemetry_is_quarantined_with_its_reason(local_aws: LocalAwsStack) -> None:
    sea = open_pipeline(local_aws, "sea")
    deployment = local_aws.deployments["sea"]
    dlq = deployment.outputs[OUTPUT_DLQ]
    drain_queue(dlq, sea.resources.region)
    kinesis = boto3.client("kinesis", region_name=sea.resources.region)
    bad = {
        "market": "sea",
        "room_id": "r1",
        "device_id": "cam-9",
        "kind": "toaster",
        "ts": "2026-12-03T12:00:00Z",
        "temperature_c": 40,
    }
    kinesis.put_records(
        StreamName=deployment.outputs[OUTPUT_STREAM],
        Records=[{"Data": json.dumps(bad).encode(), "PartitionKey": "cam-9"}],
    )
    sea.sources.drain(timeout=120)
    [message] = drain_queue(dlq, sea.resources.region)
    assert "kind" in message["reason"] and "/studio/" in message["quarantineObject"]
    assert json.loads(base64.b64decode(message["record"]["data"])) == bad
