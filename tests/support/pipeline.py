"""The market pipeline integration tests drive: its consumers, stream, bus observer and DLQs.

Records go through the real path: put on the market's stream in the local AWS, read by the
event-source runner with each mapping's settings (the orders mapping's filter included), handled
by the handlers loaded for that market.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.markets.resources import MarketResources
from livebase.replenishment.catalogue import CATALOGUE_KEY
from livebase_local.platform import stream_consumers
from livebase_local.runner.kinesis_source import KinesisEventSource
from livebase_local.runner.sources import EventSources
from livebase_local.simulator.stock import seed_stock
from tests.support.local_aws import LocalAwsStack

# Events are stamped near now: admission refuses timestamps far from the record's arrival.
_NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
TS, TS_LATER = f"{_NOW:%Y-%m-%dT%H:%M:%S}Z", f"{_NOW + timedelta(minutes=5):%Y-%m-%dT%H:%M:%S}Z"


@dataclass
class Pipeline:
    resources: MarketResources
    sources: EventSources
    handlers: dict[str, Any]  # per function: ingest, orders
    events_queue_url: str

    def send(self, records: list[bytes]) -> None:
        kinesis = boto3.client("kinesis", region_name=self.resources.region)
        response = kinesis.put_records(
            StreamName=self.resources.stream_name,
            Records=[{"PartitionKey": f"pk-{i}", "Data": data} for i, data in enumerate(records)],
        )
        assert response["FailedRecordCount"] == 0
        self.sources.drain(timeout=120)

    def consumer(self, function: str) -> KinesisEventSource:
        source = next(s for s in self.sources.sources if s.config.function_name.endswith(f"-{function}"))
        assert isinstance(source, KinesisEventSource)
        return source

    def emitted(self) -> list[dict[str, Any]]:
        return drain_queue(self.events_queue_url, self.resources.region)

    def dead_letters(self, queue_url: str | None = None) -> list[dict[str, Any]]:
        """Take every message off a DLQ (the ingest DLQ by default)."""
        return drain_queue(queue_url or self.resources.ingest_dlq_url, self.resources.region)


def drain_queue(queue_url: str, region: str) -> list[dict[str, Any]]:
    """Take every message off a queue, bodies parsed."""
    sqs = boto3.client("sqs", region_name=region)
    found = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def observe_bus(resources: MarketResources, pattern: dict[str, Any], name: str = "observe") -> str:
    """A consumer's view of the market's bus: a rule forwarding what ``pattern`` matches to a new queue."""
    sqs = boto3.client("sqs", region_name=resources.region)
    events = boto3.client("events", region_name=resources.region)
    queue_url = sqs.create_queue(QueueName=f"{name}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"{name}-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=rule, EventBusName=resources.event_bus_name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, EventBusName=resources.event_bus_name, Targets=[{"Id": "q", "Arn": arn}])
    return queue_url


def open_pipeline(local_aws: LocalAwsStack, market_id: str = "sea") -> Pipeline:
    """The market's consumers, its stream drained, test stock booked, and a queue observing its bus."""
    deployment = local_aws.deployments[market_id]
    resources = deployment.resources()
    consumers, handlers = stream_consumers(deployment, resources, per_shard=False)
    sources = EventSources(consumers)
    sources.drain(timeout=120)  # whatever other tests left on the stream
    seed_stock(resources, {"SKU-TEST-1": 10_000, "SKU-SCARCE-1": 3})
    merge_catalogue(resources, [{"sku": sku, "list_price": "10.50"} for sku in ("SKU-TEST-1", "SKU-SCARCE-1")])
    queue_url = observe_bus(resources, {"source": ["livebase.orders", "livebase.inventory"]}, "observe-orders")
    return Pipeline(resources, sources, handlers, queue_url)


def merge_catalogue(
    resources: MarketResources, skus: Sequence[Mapping[str, Any]], suppliers: Sequence[Mapping[str, Any]] = ()
) -> None:
    """List SKUs (and their suppliers) in the market's catalogue, keeping what other tests listed: the
    orders function prices every line from it (a SKU without a list price is refused). A SKU without a
    supplier is the default supplier's. Waits out the orders function's re-read of an unknown SKU."""
    s3 = boto3.client("s3", region_name=resources.region)
    try:
        current = json.loads(s3.get_object(Bucket=resources.data_lake_bucket, Key=CATALOGUE_KEY)["Body"].read())
    except ClientError:
        current = {}
    listed = {s["sku"]: s for s in current.get("skus", [])}
    listed.update({s["sku"]: {"supplier_id": "default-supplier", "hs_code": "330499", **s} for s in skus})  # HS: tax
    known = {s["supplier_id"]: s for s in current.get("suppliers", [])} | {s["supplier_id"]: s for s in suppliers}
    merged = {**current, "skus": list(listed.values()), "suppliers": list(known.values())}
    if merged != current:
        s3.put_object(Bucket=resources.data_lake_bucket, Key=CATALOGUE_KEY, Body=json.dumps(merged).encode())
        time.sleep(1.2)  # livebase.commerce.price_list.MISS_SECONDS


def order(order_id: str, *, quantity: int = 2, **changes: Any) -> bytes:
    """An order of sea's; its session is its own (a viewer's purchase limit counts per session, and the
    tests' orders share one viewer), unless ``session_id`` is given."""
    body = {
        "event_id": f"evt-{order_id}",
        "type": "order_placed",
        "market": "sea",
        "room_id": "room-test",
        "session_id": own_session(order_id),
        "ts": TS,
        "viewer_id": "v_0123456789abcdef0123",
        "order_id": order_id,
        "currency": "SGD",
        "lines": [{"sku": "SKU-TEST-1", "quantity": quantity, "unit_price": "10.50"}],
        **changes,
    }
    return json.dumps(body).encode()


def own_session(order_id: str) -> str:
    """A session id of the order's own (letters only after ``sess-``: a session id has no long digit run)."""
    digest = hashlib.sha256(order_id.encode()).hexdigest()[:12]
    return "sess-" + digest.translate(str.maketrans("0123456789", "ghijklmnop"))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
