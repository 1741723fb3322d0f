"""The studio handlers on moto (in-process), fed the sample events in events/studio/.

``studio``: a camera's telemetry as Kinesis batches → its window in the devices table → a warning,
then a failover, on the market bus (once each; a redelivered batch sends nothing new); a record
that is no telemetry is quarantined with its reason. ``studio_failover``: the sample
``device.failover`` → the switch command published to the room's switch topic, once per incident.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from livebase.markets.resources import MarketResources
from livebase.signals.studio import DEVICE_FAILOVER, DEVICE_WARNING, STUDIO_EVENT_SOURCE
from livebase.studio.failover import RoomSwitch, switch_topic
from livebase.studio.telemetry import Telemetry
from livebase_local.runner.functions import load_handler
from livebase_local.simulator.studio import degrading_camera
from tests.support.moto_market import Market
from tests.support.tables import string_keyed_table

STUDIO_EVENTS = Path(__file__).resolve().parents[2] / "events" / "studio"
CONTEXT = SimpleNamespace(
    function_name="livebase-sea-studio",
    memory_limit_in_mb=512,
    aws_request_id="req-1",
    invoked_function_arn="arn:aws:lambda:ap-southeast-1:123456789012:function:livebase-sea-studio",
    get_remaining_time_in_millis=lambda: 10_000,
)


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((STUDIO_EVENTS / f"{name}.json").read_text()))


class Studio:
    """A sea market on moto with the studio's table, DLQ, lake bucket and a queue observing its bus."""

    def __init__(self) -> None:
        market = Market("sea")
        region = market.resources.region
        s3, sqs = boto3.client("s3", region_name=region), market.sqs
        bucket = f"sea-lake-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        idempotency = string_keyed_table(market.dynamodb, "idempotency", "id")
        self.resources: MarketResources = dataclasses.replace(
            market.resources, data_lake_bucket=bucket, idempotency_table=idempotency
        )
        self.table = string_keyed_table(market.dynamodb, "studio-devices", "device")
        self.dlq = sqs.create_queue(QueueName=f"studio-dlq-{uuid.uuid4().hex[:6]}")["QueueUrl"]
        self.observed = sqs.create_queue(QueueName=f"observe-{uuid.uuid4().hex[:6]}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.observed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = boto3.client("events", region_name=region)
        bus = self.resources.event_bus_name
        events.put_rule(Name="observe", EventBusName=bus, EventPattern=json.dumps({"source": [STUDIO_EVENT_SOURCE]}))
        events.put_targets(Rule="observe", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
        self.sqs = sqs

    def load(self, function: str, **environment: str) -> tuple[Any, Any]:
        return load_handler(function, self.resources, container=uuid.uuid4().hex[:8], environment=environment)

    def consumer(self) -> Any:
        return self.load("studio", STUDIO_DEVICES_TABLE=self.table, STUDIO_DLQ_URL=self.dlq)[1]

    def take(self, queue_url: str) -> list[dict[str, Any]]:
        found = []
        while batch := self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return found


def kinesis_event(samples: list[Telemetry], *, first_sequence: int = 1000) -> dict[str, Any]:
    """The sample event's record shape, one record per telemetry sample."""
    template = sample("kinesis_telemetry")["Records"][0]
    records = []
    for i, telemetry in enumerate(samples):
        record = copy.deepcopy(template)
        sequence = str(49656830455137459624123785011541339145347722683409870000 + first_sequence + i)
        record["kinesis"].update(
            sequenceNumber=sequence,
            partitionKey=telemetry.device_id,
            data=base64.b64encode(telemetry.model_dump_json(exclude_none=True).encode()).decode(),
        )
        record["eventID"] = f"shardId-000000000000:{sequence}"
        records.append(record)
    return {"Records": records}


def test_the_sample_events_are_what_the_code_makes_and_takes() -> None:
    for record in sample("kinesis_telemetry")["Records"]:
        assert record["eventSource"] == "aws:kinesis"
        Telemetry.model_validate_json(base64.b64decode(record["kinesis"]["data"]))
    from livebase.studio.failover import failover_from_event

    failover = failover_from_event(sample("eventbridge_device_failover"))
    assert failover.reason == "predicted" and failover.predicted_seconds_to_failure == pytest.approx(56.2)
    assert sample("eventbridge_device_warning")["detail-type"] == DEVICE_WARNING


def test_telemetry_batches_warn_then_fail_over_once_and_redelivery_sends_nothing(aws: None) -> None:
    studio = Studio()
    handler = studio.consumer()
    camera = degrading_camera("sea", "sea-studio-1", start=datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    replies = [handler(kinesis_event(camera[i : i + 8], first_sequence=i), CONTEXT) for i in range(0, 40, 8)]
    assert all(r["batchItemFailures"] == [] for r in replies)
    assert sum(r["warnings"] for r in replies) == 1 and sum(r["failovers"] for r in replies) == 1
    signals = studio.take(studio.observed)
    assert [s["detail-type"] for s in signals] == [DEVICE_WARNING, DEVICE_FAILOVER]
    assert signals[1]["detail"] == sample("eventbridge_device_failover")["detail"]  # the sample is this event
    again = handler(kinesis_event(camera[16:32], first_sequence=16), CONTEXT)  # a batch delivered twice
    assert (again["warnings"], again["failovers"]) == (0, 0) and studio.take(studio.observed) == []


def test_one_batch_of_the_whole_series_is_judged_as_if_sent_sample_by_sample(aws: None) -> None:
    studio = Studio()
    camera = degrading_camera("sea", "sea-studio-1", start=datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    reply = studio.consumer()(kinesis_event(camera), CONTEXT)
    assert (reply["warnings"], reply["failovers"]) == (1, 1)
    warning, failover = (s["detail"] for s in studio.take(studio.observed))
    assert warning == sample("eventbridge_device_warning")["detail"]
    assert failover == sample("eventbridge_device_failover")["detail"]


def test_a_record_that_is_no_telemetry_is_quarantined_with_the_field_named(aws: None) -> None:
    studio = Studio()
    handler = studio.consumer()
    event = kinesis_event(degrading_camera("sea", "sea-studio-1", start=datetime(2026, 12, 3, tzinfo=UTC))[:2])
    bad = {
        "market": "sea",
        "room_id": "sea-studio-1",
        "device_id": "cam-1",
        "kind": "camera",
        "ts": "2026-12-03T12:00:00Z",
        "temperature_c": 400.0,
    }
    event["Records"][1]["kinesis"]["data"] = base64.b64encode(json.dumps(bad).encode()).decode()
    reply = handler(event, CONTEXT)
    assert reply["batchItemFailures"] == []
    [message] = studio.take(studio.dlq)
    assert message["reason"].startswith("temperature_c") and "400" not in message["reason"]
    assert "/studio/" in message["quarantineObject"]


def test_the_failover_publishes_the_switch_command_once_per_incident(aws: None) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iotdata.models import iotdata_backends

    studio = Studio()
    module, handler = studio.load("studio_failover", SWITCH_MEDIALIVE_CHANNEL="")
    # moto's in-process IoT data plane answers on the regional default host, not on the account endpoint
    # describe_endpoint names (which the handler uses in the cloud), so the client is made for that host.
    region = studio.resources.region
    module.switch = RoomSwitch(lambda: boto3.client("iot-data", region_name=region))
    event = sample("eventbridge_device_failover")
    first = handler(event, CONTEXT)
    assert first["switched"] is True and first["calls"] == ["iot:Publish"]
    assert handler(copy.deepcopy(event), CONTEXT) == first  # the same incident again: no second switch
    published = iotdata_backends[DEFAULT_ACCOUNT_ID][studio.resources.region].published_payloads
    [(topic, payload)] = published
    assert topic == switch_topic("sea", "sea-studio-1")
    assert json.loads(payload) == {
        "action": "switch_to_backup",
        "room": "sea-studio-1",
        "device": "cam-1",
        "kind": "camera",
        "incident": event["detail"]["incident_id"],
        "reason": "predicted",
    }
    refused = handler(
        {**event, "id": "other", "detail": {**event["detail"], "incident_id": "x y", "kind": "toaster"}}, CONTEXT
    )
    assert refused["switched"] is False and "kind" in refused["reason"]
