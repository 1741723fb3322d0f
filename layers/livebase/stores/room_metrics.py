"""The room-metrics table: running totals, concurrency checkpoints, judging claims, alert marks.

Access style: boto3's Table resource (Decimal numbers and bytes both ways), because the running
totals are written in transactions conditional on the version read, which pynamodb's models do
not express for items of several shapes under one key schema. Keys: :mod:`livebase.stores.room_keys`.

- running totals (``MIN#``): one per (room, minute, shard), rewritten as batches arrive,
  idempotent by sequence number (see :mod:`livebase.live.shard_minutes`);
- concurrency checkpoints (``CONC#``): concurrent viewers at the end of a settled minute (a few
  minutes before the one judged, so every shard has delivered it): judging reads a trailing window;
- judging claims (``JUDGE#``): which shard's container judges the minute (one per room-minute:
  judging reads the room's window, the costliest call of the consumer);
- alert marks (``ALERT#``): written once (conditional put) so an alert goes out once even when
  its batch is redelivered.

Attributes: ``pk``, ``sk``, ``expires_at`` (TTL) on every item; running totals carry
:func:`livebase.live.room_metrics.partial_item`'s fields and ``version``; checkpoints
``concurrent``; claims ``shard_id``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from livebase.aws import TransientError
from livebase.live.room_metrics import DEFAULT_TTL_DAYS, BatchAggregator, Partial, unpack_hashes
from livebase.live.room_minutes import MinuteMetrics, fold_items
from livebase.live.shard_minutes import Verdict, expected_version, from_item, item_key, merged, to_item, verdict
from livebase.stores.batches import get_all
from livebase.stores.room_keys import (
    ALERT,
    MINUTES,
    alert_name,
    alert_sk,
    concurrency_minute,
    concurrency_sk,
    judgement_sk,
    minute_range,
    room_pk,
)

MAX_REPLAY = timedelta(hours=4)
MAX_WRITE_ATTEMPTS = 4
_TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems
ShardRoomMinute = tuple[str, str, datetime]  # (shard, room, minute)


class ShardMinutesCache:
    """Per container: the running totals it last wrote or read, per (shard, room, minute); bounded LRU.

    A container may serve several shards over its life (Lambda reuses them), hence the shard in the key.

    Only a cache: every write is conditional on the stored version, so a stale entry (another
    container instance of the shard wrote since) is caught, dropped and re-read.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[ShardRoomMinute, Partial | None] = OrderedDict()

    def __contains__(self, key: ShardRoomMinute) -> bool:
        return key in self._entries

    def get(self, key: ShardRoomMinute) -> Partial | None:
        self._entries.move_to_end(key)
        return self._entries[key]

    def put(self, key: ShardRoomMinute, value: Partial | None) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def drop(self, key: ShardRoomMinute) -> None:
        self._entries.pop(key, None)


@dataclass
class AccumulateResult:
    written: int = 0
    already_counted: int = 0
    overlaps: list[ShardRoomMinute] = field(default_factory=list)


class RoomStore:
    """One market's room-metrics table, through a boto3 ``Table`` resource."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def accumulate(self, batch: BatchAggregator, cache: ShardMinutesCache) -> AccumulateResult:
        """Add the batch's partials to the shard's running totals: one transaction per 100 minutes.

        A conditional failure (the stored total is not the version this container knew) drops
        the entry, re-reads it and tries again; the batch fails only after ``MAX_WRITE_ATTEMPTS``.
        """
        result = AccumulateResult()
        remaining = list(batch.partials.values())
        for _ in range(MAX_WRITE_ATTEMPTS):
            self._load_missing([(batch.shard_id, p.room_id, p.minute) for p in remaining], cache)
            stale: list[Partial] = []
            for start in range(0, len(remaining), _TRANSACTION_ITEMS):
                chunk = remaining[start : start + _TRANSACTION_ITEMS]
                stale += self._write_chunk(chunk, batch, cache, result)
            if not stale:
                return result
            remaining = stale
        raise TransientError(f"room metrics of {len(remaining)} minute(s) kept changing under this writer")

    def _write_chunk(
        self, chunk: list[Partial], batch: BatchAggregator, cache: ShardMinutesCache, result: AccumulateResult
    ) -> list[Partial]:
        """Write what is new in ``chunk``; returns the partials to retry after a conflict."""
        writes: list[tuple[Partial, Partial, dict[str, Any]]] = []
        for part in chunk:
            key = (batch.shard_id, part.room_id, part.minute)
            stored = cache.get(key)
            judged = verdict(stored, part)
            if judged is Verdict.ALREADY_COUNTED:
                result.already_counted += 1
            elif judged is Verdict.OVERLAP:
                result.overlaps.append(key)
            else:
                total = merged(stored, part)
                writes.append((part, total, self._put(to_item(total, batch.market, batch.shard_id), stored)))
        if not writes:
            return []
        try:
            self.table.meta.client.transact_write_items(TransactItems=[w[2] for w in writes])
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            for (part, _, _), reason in zip(writes, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    cache.drop((batch.shard_id, part.room_id, part.minute))
            return [part for part, _, _ in writes]  # nothing was written: all of them again
        for part, total, _ in writes:
            cache.put((batch.shard_id, part.room_id, part.minute), total)
        result.written += len(writes)
        return []

    def _put(self, item: dict[str, Any], stored: Partial | None) -> dict[str, Any]:
        # The resource's client converts Python values both ways.
        return {"Put": {"TableName": self.table.name, "Item": item, **expected_version(stored)}}

    def _load_missing(self, keys: list[ShardRoomMinute], cache: ShardMinutesCache) -> None:
        """Read the stored totals the cache does not hold (cold start, eviction, a conflict)."""
        missing = list(dict.fromkeys(key for key in keys if key not in cache))
        if not missing:
            return
        wanted: dict[ShardRoomMinute, Partial | None] = dict.fromkeys(missing)
        requested = [item_key(room, minute, shard) for shard, room, minute in missing]
        for raw in get_all(self.table.meta.client, self.table.name, requested, consistent_read=True):
            part = from_item(raw)
            wanted[(str(raw["shard_id"]), part.room_id, part.minute)] = part
        for key, value in wanted.items():
            cache.put(key, value)

    def counted_through(self, keys: list[ShardRoomMinute]) -> dict[ShardRoomMinute, int]:
        """The last sequence number each shard's total of a room-minute includes (absent: nothing counted):
        a record of that shard at or before it was counted, whatever became of its batch afterwards."""
        cache = ShardMinutesCache()
        self._load_missing(keys, cache)
        return {key: part.last_seq for key in dict.fromkeys(keys) if (part := cache.get(key)) is not None}

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.table.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _checkpoint_before(self, room_id: str, minute: datetime) -> tuple[datetime, int] | None:
        found = self._query(
            KeyConditionExpression=Key("pk").eq(room_pk(room_id))
            & Key("sk").between(concurrency_sk(minute - MAX_REPLAY), concurrency_sk(minute)),
            ScanIndexForward=False,
            Limit=1,
        )[:1]
        if not found:
            return None
        return concurrency_minute(str(found[0]["sk"])), int(found[0]["concurrent"])

    def series(self, room_id: str, first: datetime, last: datetime) -> list[MinuteMetrics]:
        """The room's minutes ``first``..``last``, concurrency carried from the latest checkpoint."""
        opening = 0
        checkpoint = self._checkpoint_before(room_id, first - timedelta(minutes=1))
        if checkpoint is not None:
            at, opening = checkpoint
            first = min(first, at + timedelta(minutes=1))
        pk, low, high = minute_range(room_id, first, last)
        items = self._query(KeyConditionExpression=Key("pk").eq(pk) & Key("sk").between(low, high))
        return fold_items(items, {room_id: opening}).get(room_id, [])

    def checkpoint(self, room_id: str, minute: MinuteMetrics, ttl_epoch: int) -> None:
        self.table.put_item(
            Item={
                "pk": room_pk(room_id),
                "sk": concurrency_sk(minute.minute),
                "concurrent": minute.concurrent_viewers,
                "expires_at": ttl_epoch,
            }
        )

    def claim(self, room_id: str, minute: datetime, shard_id: str) -> bool:
        """True for the shard whose container judges the room's minute: the first to ask, then only it.

        The same shard may claim again: a batch that failed after claiming is redelivered to that
        shard, and its new attempt judges the minute again (the checkpoint is overwritten with
        the same value, the alert marks are once-only).
        """
        return self._put_if(
            {"pk": room_pk(room_id), "sk": judgement_sk(minute), "shard_id": shard_id},
            minute,
            ConditionExpression="attribute_not_exists(sk) OR shard_id = :shard",
            ExpressionAttributeValues={":shard": shard_id},
        )

    def first_time(self, room_id: str, minute: datetime, key: str) -> bool:
        """True once per (room, minute, alert key): the mark that an alert went out."""
        return self._put_if(
            {"pk": room_pk(room_id), "sk": alert_sk(minute, key)},
            minute,
            ConditionExpression="attribute_not_exists(sk)",
        )

    def _put_if(self, item: dict[str, Any], minute: datetime, **condition: Any) -> bool:
        """Put ``item`` (expiring with the minute's data) if ``condition`` holds; False when it did not."""
        expires_at = int((minute + timedelta(days=DEFAULT_TTL_DAYS)).timestamp())
        try:
            self.table.put_item(Item={**item, "expires_at": expires_at}, **condition)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def forget_alert(self, room_id: str, minute: datetime, key: str) -> None:
        """Remove the mark of an alert whose send failed, so its next attempt sends it."""
        self.table.delete_item(Key={"pk": room_pk(room_id), "sk": alert_sk(minute, key)})

    def audience(self, room_id: str) -> tuple[int, int]:
        """(distinct viewers, distinct buyers) over all of a room's minutes: the exact union of the
        hashed sets each running total keeps (an experiment arm's denominator and numerator)."""
        items = self._query(
            KeyConditionExpression=Key("pk").eq(room_pk(room_id)) & Key("sk").begins_with(MINUTES),
            ProjectionExpression="viewers, buyers",
        )
        viewers: set[int] = set()
        buyers: set[int] = set()
        for item in items:
            viewers.update(unpack_hashes(item["viewers"]) if "viewers" in item else ())
            buyers.update(unpack_hashes(item["buyers"]) if "buyers" in item else ())
        return len(viewers), len(buyers)

    def room(self, room_id: str) -> tuple[list[MinuteMetrics], list[str]]:
        """All of a room's minutes and the kinds of alert it raised (a report, not the hot path)."""
        items = self._query(KeyConditionExpression=Key("pk").eq(room_pk(room_id)))
        minutes = fold_items(i for i in items if str(i["sk"]).startswith(MINUTES)).get(room_id, [])
        alerts = sorted({alert_name(str(i["sk"])) for i in items if str(i["sk"]).startswith(ALERT)})
        return minutes, alerts
