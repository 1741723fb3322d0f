"""Room metrics: aggregation, DynamoDB items, redelivery idempotency, sample events round-trip."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from livebase.live.events import EVENT_TYPES, parse_event
from livebase.live.room_metrics import BatchAggregator, aggregate, to_items
from livebase.live.room_minutes import MinuteMetrics, fold_items, metrics_from_batches
from livebase.markets.config import Market, load_markets
from livebase.stores.room_keys import minute_range as query_range
from tests.support.room_events import SHARD, T0, event, mixed_stream, numbered, order
from tests.support.tables import string_keyed_table

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


@pytest.fixture(scope="module")
def sea() -> Market:
    return load_markets()["sea"]


EVENT_TYPE_NAMES = [t.model_fields["type"].annotation.__args__[0] for t in EVENT_TYPES]  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", EVENT_TYPE_NAMES)
def test_every_event_type_round_trips_from_events_folder(sea: Market, kind: str) -> None:
    path = EVENTS_DIR / f"kinesis_{kind}.json"
    (record,) = json.loads(path.read_text())["Records"]
    assert record["eventSource"] == "aws:kinesis" and record["awsRegion"] == sea.region
    assert record["eventSourceARN"].startswith(f"arn:aws:kinesis:{sea.region}:000000000000:stream/")
    assert record["eventID"].endswith(record["kinesis"]["sequenceNumber"])
    parsed = parse_event(base64.b64decode(record["kinesis"]["data"]))
    assert parsed.type == kind
    assert parse_event(parsed.model_dump_json()) == parsed  # schema round trip
    batch = aggregate(sea, record["eventID"].split(":")[0], [(record["kinesis"]["sequenceNumber"], parsed)])
    assert not batch.rejected and (batch.partials or batch.duplicates)


def test_minute_aggregates_count_every_kind(sea: Market) -> None:
    batch = aggregate(sea, SHARD, numbered(mixed_stream()))
    minutes = metrics_from_batches([batch])["room-1"]
    first, second = minutes
    assert [m.minute for m in minutes] == [T0, T0 + timedelta(minutes=1)]
    assert first.joins == 40 and first.concurrent_viewers == 40
    assert second.leaves == 1 and second.concurrent_viewers == 39
    assert sum(m.likes for m in minutes) == 120
    assert sum(m.comments for m in minutes) == 40
    en = sum(m.languages["en"].negative for m in minutes if "en" in m.languages)
    th = sum(m.languages["th"].negative for m in minutes if "th" in m.languages)
    assert (en, th) == (10, 0)
    assert second.orders == 2 and second.buyers == 2
    # Ingest counts orders, never their money (issue 28): GMV is what the orders consumer accepted.
    assert second.gmv == 0 and second.accepted_orders == 0 and second.currency == "SGD"
    assert second.add_to_cart == 1 and second.cart_value == Decimal("39.80")
    assert first.product_on_screen == "SKU-LIP-001" and first.on_air_seconds == 30
    assert second.on_air_seconds == 40
    assert first.edges["SIN"].samples == 2 and first.edges["SIN"].cpu == pytest.approx(0.6)
    assert first.unique_viewers == 40  # the host and the edge agent are not viewers
    assert second.conversion_rate == pytest.approx(2 / second.unique_viewers)


def test_items_fit_the_table_contract(sea: Market) -> None:
    items = to_items(aggregate(sea, SHARD, numbered(mixed_stream())), ttl_days=10)
    assert len(items) == 2
    for item in items:
        assert item["pk"] == "ROOM#room-1"
        assert item["sk"].startswith(f"MIN#{item['minute'][:16]}Z#PART#{SHARD}#")
        minute = datetime.fromisoformat(item["minute"])
        assert item["expires_at"] == int(minute.timestamp()) + 10 * 86400
        assert not any(isinstance(v, float) for v in item.values()), "DynamoDB wants Decimal"
        assert len(item["viewers"]) % 8 == 0


def put_all(table: dict[tuple[str, str], dict[str, Any]], batch: BatchAggregator) -> None:
    """What the handler does: PutItem, i.e. overwrite by key."""
    for item in to_items(batch):
        table[(item["pk"], item["sk"])] = item


def snapshot(table: dict[tuple[str, str], dict[str, Any]]) -> list[MinuteMetrics]:
    return fold_items(table.values())["room-1"]


def test_redelivered_batch_changes_no_counter(sea: Market) -> None:
    records = numbered(mixed_stream())
    table: dict[tuple[str, str], dict[str, Any]] = {}
    put_all(table, aggregate(sea, SHARD, records))
    before = snapshot(table)
    put_all(table, aggregate(sea, SHARD, records))  # at-least-once: the same batch again
    assert snapshot(table) == before and len(table) == 2


def test_retried_batch_with_other_boundaries_counts_once(sea: Market) -> None:
    """A failed batch redelivered from its first record, bisected, or grown, still counts once."""
    records = numbered(mixed_stream())
    whole: dict[tuple[str, str], dict[str, Any]] = {}
    put_all(whole, aggregate(sea, SHARD, records))
    table: dict[tuple[str, str], dict[str, Any]] = {}
    put_all(table, aggregate(sea, SHARD, records[:100]))  # written, then the invocation failed
    put_all(table, aggregate(sea, SHARD, records[:50]))  # bisected retry: first half...
    put_all(table, aggregate(sea, SHARD, records[50:]))  # ...then the rest in a later batch
    assert snapshot(table) == snapshot(whole)


def test_producer_duplicates(sea: Market) -> None:
    same_event = [event("like", 1, 5, count=4), event("like", 1, 5, count=4)]
    batch = aggregate(sea, SHARD, numbered(same_event))
    assert batch.duplicates == 1
    # The same order re-sent later (another sequence number, another batch) counts once.
    table: dict[tuple[str, str], dict[str, Any]] = {}
    put_all(table, aggregate(sea, SHARD, numbered([order(7, 10, "ord-dup-001")], 10)))
    put_all(table, aggregate(sea, SHARD, numbered([order(8, 75, "ord-dup-001")], 20)))
    minutes = snapshot(table)
    assert sum(m.orders for m in minutes) == 1 and sum(m.gmv for m in minutes) == 0  # no money from ingest


def test_rejections_name_the_reason(sea: Market) -> None:
    batch = BatchAggregator(sea, SHARD)
    assert batch.add("1", event("like", 1, market="eu")) is not None
    assert "currency" in batch.add("2", order(2, 0, "ord-eur-01", currency="EUR")).reason  # type: ignore[union-attr]
    backwards = event(
        "product_shown",
        3,
        sku="SKU-A01",
        shown_from=T0.isoformat(),
        shown_until=(T0 - timedelta(minutes=1)).isoformat(),
    )
    assert batch.add("3", backwards) is not None
    assert [r.sequence for r in batch.rejected] == ["1", "2", "3"] and not batch.partials


def test_unique_viewers_are_an_exact_union_across_partials(sea: Market) -> None:
    first = aggregate(sea, "shardId-000000000000", numbered([event("like", v, 1) for v in range(300)]))
    second = aggregate(
        sea, "shardId-000000000001", numbered([event("like", 1000 + v, 2, viewer=v) for v in range(150, 450)])
    )
    (minute,) = metrics_from_batches([first, second])["room-1"]
    assert minute.unique_viewers == 450 and minute.likes == 600


def test_moto_table_round_trip_is_idempotent(sea: Market, aws: Any) -> None:
    name = string_keyed_table(aws, "room-metrics", "pk", "sk")  # aws: the in-process moto's client in sea's region
    table = boto3.resource("dynamodb", region_name=sea.region).Table(name)
    batch = aggregate(sea, SHARD, numbered(mixed_stream()))
    for _ in range(2):  # delivered twice
        with table.batch_writer() as writer:
            for item in to_items(batch):
                writer.put_item(Item=item)
    pk, low, high = query_range("room-1", T0, T0 + timedelta(seconds=90))
    read = table.query(KeyConditionExpression=Key("pk").eq(pk) & Key("sk").between(low, high))
    assert read["Count"] == 2
    assert fold_items(read["Items"]) == metrics_from_batches([batch])
    pk, low, high = query_range("room-1", T0 + timedelta(minutes=1), T0 + timedelta(minutes=1))
    (item,) = table.query(KeyConditionExpression=Key("pk").eq(pk) & Key("sk").between(low, high))["Items"]
    assert item["minute"] == (T0 + timedelta(minutes=1)).isoformat()
