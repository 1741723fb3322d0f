"""Live-room events through the ingest handler into room metrics and alerts (issue 3)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from livebase.live.events import ORDER_EVENT_TYPES
from livebase.live.room_minutes import fold_items
from livebase.markets.config import load_markets
from livebase_local.platform import stream_consumers
from livebase_local.runner.functions import load_handler
from livebase_local.runner.lambda_shapes import LambdaContext
from livebase_local.runner.sources import EventSources
from livebase_local.simulator.records import generate_day
from livebase_local.simulator.stock import seed_stock
from tests.support.local_aws import LocalAwsStack

pytestmark = pytest.mark.slow
EVENTS = Path(__file__).resolve().parents[2] / "events"
SEA = load_markets()["sea"]


@pytest.fixture(scope="module")
def sea(local_aws: LocalAwsStack) -> Any:
    deployment = local_aws.deployments["sea"]
    resources = deployment.resources()
    _, handler = load_handler("ingest", resources)
    return deployment, resources, handler


def consumers(deployment: Any) -> EventSources:
    """Both stream consumers, each with its own function (ingest, orders)."""
    return EventSources(stream_consumers(deployment, deployment.resources(), per_shard=False)[0])


def room_items(resources: Any, room_id: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name=resources.region).Table(resources.room_metrics_table)
    return table.query(KeyConditionExpression=Key("pk").eq(f"ROOM#{room_id}"))["Items"]


def test_every_sample_event_goes_through_the_handler(sea: Any) -> None:
    deployment, resources, handler = sea
    context = LambdaContext(deployment.event_sources[0])
    samples = sorted(EVENTS.glob("kinesis_*.json"))
    assert len(samples) == 13
    for path in samples:
        assert handler(json.loads(path.read_text()), context) == {"batchItemFailures": []}, path.name
    _, orders = load_handler("orders", resources)  # the order events' second consumer
    order_samples = [p for p in samples if p.stem.removeprefix("kinesis_") in ORDER_EVENT_TYPES]
    assert len(order_samples) == 4  # placed, cancelled, refund, return_requested
    for path in order_samples:
        assert orders(json.loads(path.read_text()), context) == {"batchItemFailures": []}, path.name
    minutes = [i for i in room_items(resources, "sea-room-2") if str(i["sk"]).startswith("MIN#")]
    assert minutes, "the sample events of room sea-room-2 were aggregated"


def test_redelivered_batch_changes_no_counter(sea: Any) -> None:
    deployment, resources, handler = sea
    context = LambdaContext(deployment.event_sources[0])
    event = json.loads((EVENTS / "kinesis_like.json").read_text())
    handler(event, context)
    before = fold_items(i for i in room_items(resources, "sea-room-2") if str(i["sk"]).startswith("MIN#"))
    handler(event, context)
    handler(event, context)
    after = fold_items(i for i in room_items(resources, "sea-room-2") if str(i["sk"]).startswith("MIN#"))
    assert before == after
    assert sum(m.likes for m in after["sea-room-2"]) >= 1


def test_simulated_show_lands_in_room_metrics_with_an_edge_alert(sea: Any) -> None:
    """Two simulated hours of prime time, through Kinesis and the runner, as in production."""
    deployment, resources, _ = sea
    seed_stock(resources, {f"SKU-{n:03d}": 100_000 for n in range(1000)})
    # Not 11.11, the day of the sample events: those carry real-looking sequence numbers far above
    # moto's, and a shard's running total ignores sequence numbers it has already passed.
    day = list(generate_day(SEA, seed=11, scale=0.05, malformed_share=0.002, day=date.today() - timedelta(days=1)))
    prime = [r for r in day if b'"sea-room-2"' in r.data]
    records = list(islice(prime, 0, 800))
    kinesis = boto3.client("kinesis", region_name=resources.region)
    for start in range(0, len(records), 500):
        chunk = records[start : start + 500]
        kinesis.put_records(
            StreamName=resources.stream_name,
            Records=[{"PartitionKey": r.partition_key, "Data": r.data} for r in chunk],
        )
    sources = consumers(deployment)
    counters = sources.drain(timeout=600)
    assert all(c.sent_to_dlq == 0 for c in counters.values())

    metrics = fold_items(i for i in room_items(resources, "sea-room-2") if str(i["sk"]).startswith("MIN#"))
    minutes = metrics["sea-room-2"]
    sent = Counter(r.kind for r in records)
    assert sum(m.likes for m in minutes) >= sum(json.loads(r.data).get("count", 1) for r in records if r.kind == "like")
    assert sum(m.comments for m in minutes) >= sent["comment"]
    assert max(m.concurrent_viewers for m in minutes) > 0
    assert any(m.product_on_screen for m in minutes)


def edge_stats(minute: datetime, location: str, cpu: float, n: int) -> bytes:
    return json.dumps({
        "event_id": f"edge-{location}-{minute:%H%M}-{n}", "type": "edge_node_stats", "market": "sea",
        "room_id": "room-edge", "session_id": "sess-edge",
        "ts": (minute + timedelta(seconds=10 * n)).isoformat(),
        "viewer_id": "v_00000000000000000000", "edge_location": location, "viewers_served": 500,
        "bitrate_kbps": 2500.0, "cpu": cpu, "error_rate": 0.001,
    }).encode()  # fmt: skip


def test_overloaded_edge_raises_one_failover_alert_on_the_bus(sea: Any) -> None:
    deployment, resources, _ = sea
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    records = [
        edge_stats(start + timedelta(minutes=m), loc, 0.97 if (loc == "SIN" and m >= 2) else 0.35, n)
        for m in range(5) for loc in ("SIN", "KUL", "BKK") for n in range(3)
    ]  # fmt: skip
    kinesis = boto3.client("kinesis", region_name=resources.region)
    sources = consumers(deployment)
    sources.drain(timeout=300)
    for record in records:  # one minute at a time, so each minute is judged once it is complete
        kinesis.put_record(StreamName=resources.stream_name, PartitionKey="edge", Data=record)
    sources.drain(timeout=300)
    marks = [str(i["sk"]) for i in room_items(resources, "room-edge") if str(i["sk"]).startswith("ALERT#")]
    overloads = [m for m in marks if "edge_overload" in m and "SIN" in m]
    assert overloads, marks
    assert len({m.split("#")[1] for m in overloads}) == len(overloads)  # once per minute at most
