"""Running totals per (room, minute, shard): merging, the sequence-number verdicts, and the store
writing them conditionally (moto in-process: a table of its own, nothing shared)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from moto import mock_aws

from livebase.live.room_metrics import aggregate
from livebase.live.room_minutes import fold_items, metrics_from_batches
from livebase.live.shard_minutes import Verdict, from_item, merged, seq_text, to_item, verdict
from livebase.markets.config import load_markets
from livebase.stores.room_keys import minute_range as query_range
from livebase.stores.room_metrics import RoomStore, ShardMinutesCache
from tests.support.room_events import SHARD, T0, event, mixed_stream, numbered

SEA = load_markets()["sea"]


@pytest.fixture()
def table() -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name=SEA.region)
        yield dynamodb.create_table(
            TableName=f"room-metrics-{uuid.uuid4().hex[:8]}",  # the session's moto server may be the one answering
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
        )


def stored_minutes(table: Any) -> dict[str, Any]:
    pk, low, high = query_range("room-1", T0, T0 + timedelta(minutes=5))
    items = table.query(KeyConditionExpression=Key("pk").eq(pk) & Key("sk").between(low, high))["Items"]
    return {"items": items, "metrics": fold_items(items)}


def test_sequence_text_sorts_like_the_numbers() -> None:
    small, large = 9, 49656830455137459624123785011541339145347722683409878946
    assert seq_text(small) < seq_text(large) and len(seq_text(large)) == len(seq_text(small))


def test_verdicts_follow_the_stored_last_sequence() -> None:
    first = aggregate(SEA, SHARD, numbered([event("like", v, 1) for v in range(10)], start=100))
    (part,) = first.partials.values()  # sequences 100..109
    later = aggregate(SEA, SHARD, numbered([event("like", 50 + v, 2) for v in range(5)], start=110))
    (new,) = later.partials.values()
    straddling = aggregate(SEA, SHARD, numbered([event("like", 80 + v, 3) for v in range(5)], start=107))
    (overlap,) = straddling.partials.values()
    assert verdict(None, part) is Verdict.NEW
    assert verdict(part, new) is Verdict.NEW
    assert verdict(part, part) is Verdict.ALREADY_COUNTED
    assert verdict(part, overlap) is Verdict.OVERLAP


def test_merged_totals_fold_like_the_separate_partials() -> None:
    stream = mixed_stream()
    a = aggregate(SEA, SHARD, numbered(stream[:60], start=1000))
    b = aggregate(SEA, SHARD, numbered(stream[60:], start=2000))
    totals = {key: merged(a.partials.get(key), part) for key, part in b.partials.items()}
    totals |= {key: part for key, part in a.partials.items() if key not in totals}
    items = [to_item(part, SEA, SHARD) for part in totals.values()]
    assert fold_items(items) == metrics_from_batches([a, b])
    for item in items:  # and back: a cold container resumes from the stored item
        assert to_item(from_item(item), SEA, SHARD) == item


def test_store_adds_batches_once_and_resumes_after_a_cold_start(table: Any) -> None:
    store, cache = RoomStore(table), ShardMinutesCache()
    stream = mixed_stream()
    first = aggregate(SEA, SHARD, numbered(stream[:70], start=1000))
    second = aggregate(SEA, SHARD, numbered(stream[70:], start=2000))
    assert store.accumulate(first, cache).written == len(first.partials)
    assert store.accumulate(first, cache).already_counted == len(first.partials)  # redelivered
    cold = ShardMinutesCache()  # a new container for the shard
    assert store.accumulate(second, cold).written == len(second.partials)
    assert store.accumulate(second, cold).already_counted == len(second.partials)
    read = stored_minutes(table)
    assert len(read["items"]) == len({*first.partials, *second.partials})  # one item per minute per shard
    assert read["metrics"] == metrics_from_batches([first, second])


def test_a_stale_cache_is_caught_by_the_condition_and_re_read(table: Any) -> None:
    store = RoomStore(table)
    stream = mixed_stream()
    batches = [aggregate(SEA, SHARD, numbered(stream[i : i + 40], start=1000 * (i + 1))) for i in range(0, 120, 40)]
    old, current = ShardMinutesCache(), ShardMinutesCache()
    store.accumulate(batches[0], old)
    store.accumulate(batches[1], current)  # another container moved the totals on
    result = store.accumulate(batches[2], old)  # this one still holds batch 0's totals
    assert result.written == len(batches[2].partials) and not result.overlaps
    assert stored_minutes(table)["metrics"] == metrics_from_batches(batches)


def test_one_shard_judges_each_room_minute_and_may_judge_it_again(table: Any) -> None:
    store = RoomStore(table)
    minute = datetime(2026, 11, 11, 20, 5, tzinfo=UTC)
    assert store.claim("room-a", minute, "shardId-000000000001")
    assert not store.claim("room-a", minute, "shardId-000000000002")  # another shard's container
    assert store.claim("room-a", minute, "shardId-000000000001")  # its batch redelivered: judge again
    assert store.claim("room-b", minute, "shardId-000000000002")  # rooms and minutes are separate
    assert store.claim("room-a", minute + timedelta(minutes=1), "shardId-000000000002")


def test_an_alert_whose_send_failed_is_sent_by_the_redelivery(table: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mark says the alert went out: a failed PutEvents must not leave it (the soak lost one so)."""
    import livebase.live.judging as judging
    from livebase.live.alerts import ViewerDrop

    drop = ViewerDrop(market="sea", room_id="room-1", minute=T0, peak_viewers=90, previous_viewers=80,
                      current_viewers=20, leaves=60, drop_fraction=0.75, fraction_threshold=0.5)  # fmt: skip
    monkeypatch.setattr(judging, "evaluate_alerts", lambda series, market: [drop])
    store = RoomStore(table)
    store.accumulate(aggregate(SEA, SHARD, numbered([event("like", 1, 0)], start=100)), ShardMinutesCache())
    sent: list[dict[str, Any]] = []
    failures = iter([ConnectionError("EventBridge unreachable")])

    def send(entries: list[dict[str, Any]]) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        sent.extend(entries)

    judge = judging.RoomJudge(store, SEA, send, "bus")
    with pytest.raises(ConnectionError):
        judge.judge_minute("room-1", T0, SHARD)
    assert judge.judge_minute("room-1", T0, SHARD) == 1  # the redelivered batch
    assert judge.judge_minute("room-1", T0, SHARD) == 0  # and only once
    assert [json.loads(e["Detail"])["kind"] for e in sent] == ["viewer_drop"]
