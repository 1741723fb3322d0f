"""The demo's studio failover: one camera overheating in a market's studio, on the demo's local AWS.

The simulator's degrading camera (``livebase_local.simulator.studio.degrading_camera``: 40
samples 5 s apart, failing at the 37th) is published to the market's studio telemetry stream,
where the IoT rule would put it; the event-source runner feeds the studio consumer, which warns
and then fails over on the market bus; the stack's rules invoke the failover function (its switch
recorded: moto has no IoT delivery to read back nor MediaLive schedules) and tell the ops topic,
read here through a queue subscribed to it. A few seconds; the report is one block of lines.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from infra_cdk.components.studio import OUTPUT_STREAM
from livebase.signals import OtherSignal, parse_event
from livebase.signals.studio import DEVICE_FAILOVER, DEVICE_WARNING, DeviceSignal
from livebase_local.platform import LocalPlatform
from livebase_local.runner.recorded_switches import recorded_switches
from livebase_local.simulator.studio import INTERVAL_S, degrading_camera, publish

FAIL_AFTER = 36  # the camera reports its fault from this sample on


def _ops_queue(region: str, stack: str) -> tuple[Any, str]:
    """A queue subscribed to the market's ops topic (what an ops chat webhook would receive)."""
    cloudformation, sqs, sns = (boto3.client(s, region_name=region) for s in ("cloudformation", "sqs", "sns"))
    found = cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    [topic] = [
        r["PhysicalResourceId"]
        for r in found
        if r["LogicalResourceId"].startswith("SignalsOpsTopic") and r["ResourceType"] == "AWS::SNS::Topic"
    ]
    queue_url = sqs.create_queue(QueueName=f"demo-ops-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return sqs, queue_url


def _ops_messages(sqs: Any, queue_url: str, room: str) -> list[DeviceSignal]:
    """The device signals ops was told about the room (room alerts on the same topic are passed over)."""
    found = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            try:
                signal = parse_event(message["Body"], DeviceSignal).signal
            except OtherSignal:
                signal = None
            if signal is not None and signal.room_id == room:
                found.append(signal)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def studio_demo(platform: LocalPlatform, market_id: str) -> str:
    """Send one degrading camera through the market's studio path; the lines the demo prints."""
    runtime = platform.runtimes[market_id]
    resources, deployment = runtime.resources, runtime.deployment
    if OUTPUT_STREAM not in deployment.outputs:
        return "        studio: no studio telemetry stream in this market"
    sqs, ops = _ops_queue(resources.region, deployment.stack_name)
    room = f"{market_id}-studio-demo-{uuid.uuid4().hex[:4]}"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=INTERVAL_S * 40)
    camera = degrading_camera(market_id, room, start=start, fail_after=FAIL_AFTER)
    publish(boto3.client("kinesis", region_name=resources.region), deployment.outputs[OUTPUT_STREAM], camera)
    platform.drain()
    told = _ops_messages(sqs, ops, room)
    switches = [s for s in recorded_switches(resources) if s["room"] == room]
    failed_at = camera[FAIL_AFTER].ts
    lines = [f"        studio ({room}, cam-1 overheating; it fails at {failed_at:%H:%M:%S}):"]
    for signal in told:
        ahead = (failed_at - signal.ts).total_seconds()
        kind = "warned" if signal.detail_type == DEVICE_WARNING else "failed over"
        lines.append(
            f"          {kind} at {signal.ts:%H:%M:%S} ({ahead:.0f} s before the failure; "
            f"predicted {signal.predicted_seconds_to_failure} s left, {signal.evidence.metric} "
            f"{signal.evidence.level})"
        )
    for switch in switches:
        calls = ", ".join(
            f"{c['service']} {c['operation']} {c['params'].get('topic') or c['params'].get('ChannelId')}"
            for c in switch["calls"]
        )
        lines.append(f"          switch recorded for incident {switch['incident_id']}: {calls}")
    kinds = [s.detail_type for s in told]
    lines.append(
        f"          ops told: {', '.join(kinds) or 'nothing'}"
        + ("" if DEVICE_FAILOVER in kinds else "  (expected a device.failover)")
    )
    return "\n".join(lines)
