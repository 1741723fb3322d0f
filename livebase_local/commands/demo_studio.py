"""The demo's studio failover: one camera overheating in a market's studio, on the demo's local AWS.

The simulator's degrading camera (``livebase_local.simulator.studio.degrading_camera``: 40
samples 5 s apart, failing at the 37th) is published to the market's studio telemetry stream,
where the IoT rule would put it; the event-source runner feeds the studio consumer, which warns
and then fails over on the market bus; the stack's rules invoke the failover function (its switch
recorded: moto has no IoT delivery to read back nor MediaLive schedules) and tell the ops topic,
read here through a queue subscribed to it. A few seconds; the report is one block of lines.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from infra_cdk.components.studio import OUTPUT_STREAM
from livebase.signals.studio import DEVICE_FAILOVER, DEVICE_WARNING
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


def _ops_messages(sqs: Any, queue_url: str, room: str) -> list[dict[str, Any]]:
    found = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            event = json.loads(message["Body"])
            if event.get("detail", {}).get("room_id") == room:
                found.append(event)
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
    for event in told:
        detail = event["detail"]
        ahead = (failed_at - datetime.fromisoformat(detail["ts"])).total_seconds()
        kind = "warned" if event["detail-type"] == DEVICE_WARNING else "failed over"
        lines.append(
            f"          {kind} at {datetime.fromisoformat(detail['ts']):%H:%M:%S} ({ahead:.0f} s before the failure; "
            f"predicted {detail['predicted_seconds_to_failure']} s left, {detail['evidence']['metric']} "
            f"{detail['evidence']['level']})"
        )
    for switch in switches:
        calls = ", ".join(
            f"{c['service']} {c['operation']} {c['params'].get('topic') or c['params'].get('ChannelId')}"
            for c in switch["calls"]
        )
        lines.append(f"          switch recorded for incident {switch['incident_id']}: {calls}")
    kinds = [e["detail-type"] for e in told]
    lines.append(
        f"          ops told: {', '.join(kinds) or 'nothing'}"
        + ("" if DEVICE_FAILOVER in kinds else "  (expected a device.failover)")
    )
    return "\n".join(lines)
