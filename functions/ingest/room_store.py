"""Data access for the room_metrics table: running totals, concurrency checkpoints, alert marks.

One partition per room (``pk = ROOM#<room>``); sort keys:
- ``MIN#<minute>Z#PART#<shard>``: what one shard has counted in a minute of the room, rewritten
  as its batches arrive, idempotent by sequence number (see ``livebase.live.shard_minutes``);
- ``CONC#<minute>Z``: concurrent viewers at the end of a settled minute (a few minutes before the
  one judged, so every shard has delivered it), so judging needs only a trailing window;
- ``JUDGE#<minute>Z``: which shard's container judges the minute (one per room-minute, not one
  per shard: judging reads the room's window, the costliest call of the consumer);
- ``ALERT#<minute>Z#<alert key>``: written once (conditional put) so an alert goes out once even
  when its batch is redelivered.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from livebase.aws import TransientError
from livebase.live.room_metrics import DEFAULT_TTL_DAYS, BatchAggregator, Partial, minute_of, query_range
from livebase.live.room_minutes import MinuteMetrics, fold_items
from livebase.live.shard_minutes import Verdict, expected_version, from_item, item_key, merged, to_item, verdict
from livebase.stores.batches import get_all

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


def _stamp(minute: datetime) -> str:
    return f"{minute_of(minute):%Y-%m-%dT%H:%M}Z"


class JudgedMinutes:
    """Per container: the newest minute judged per room, bounded (the oldest rooms are forgotten).

    Forgetting only costs a repeated judgement, which the checkpoint overwrite and the alert marks'
    conditional puts make harmless.
    """

    def __init__(self, max_rooms: int = 4096) -> None:
        self.max_rooms = max_rooms
        self._latest: dict[str, datetime] = {}

    def newer(self, room_id: str, minute: datetime) -> bool:
        """True when ``minute`` is after every minute of the room judged here so far."""
        seen = self._latest.get(room_id)
        return seen is None or minute > seen

    def mark(self, room_id: str, minute: datetime) -> None:
        self._latest.pop(room_id, None)  # re-insert: dict order is recency order
        self._latest[room_id] = minute
        while len(self._latest) > self.max_rooms:
            del self._latest[next(iter(self._latest))]


class RoomStore:
    def __init__(self, table: Any) -> None:
        self.table = table  # a boto3 DynamoDB Table resource

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
            KeyConditionExpression=Key("pk").eq(f"ROOM#{room_id}")
            & Key("sk").between(f"CONC#{_stamp(minute - MAX_REPLAY)}", f"CONC#{_stamp(minute)}"),
            ScanIndexForward=False,
            Limit=1,
        )[:1]
        if not found:
            return None
        stamp = str(found[0]["sk"]).removeprefix("CONC#").removesuffix("Z")
        return datetime.fromisoformat(stamp + "+00:00"), int(found[0]["concurrent"])

    def series(self, room_id: str, first: datetime, last: datetime) -> list[MinuteMetrics]:
        """The room's minutes ``first``..``last``, concurrency carried from the latest checkpoint."""
        opening = 0
        checkpoint = self._checkpoint_before(room_id, first - timedelta(minutes=1))
        if checkpoint is not None:
            at, opening = checkpoint
            first = min(first, at + timedelta(minutes=1))
        pk, low, high = query_range(room_id, first, last)
        items = self._query(KeyConditionExpression=Key("pk").eq(pk) & Key("sk").between(low, high))
        return fold_items(items, {room_id: opening}).get(room_id, [])

    def checkpoint(self, room_id: str, minute: MinuteMetrics, ttl_epoch: int) -> None:
        self.table.put_item(
            Item={
                "pk": f"ROOM#{room_id}",
                "sk": f"CONC#{_stamp(minute.minute)}",
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
        try:
            self.table.put_item(
                Item={
                    "pk": f"ROOM#{room_id}",
                    "sk": f"JUDGE#{_stamp(minute)}",
                    "shard_id": shard_id,
                    "expires_at": int((minute + timedelta(days=DEFAULT_TTL_DAYS)).timestamp()),
                },
                ConditionExpression="attribute_not_exists(sk) OR shard_id = :shard",
                ExpressionAttributeValues={":shard": shard_id},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def first_time(self, room_id: str, minute: datetime, key: str) -> bool:
        """True once per (room, minute, alert key): the mark that an alert went out."""
        try:
            self.table.put_item(
                Item={
                    "pk": f"ROOM#{room_id}",
                    "sk": f"ALERT#{_stamp(minute)}#{key}",
                    "expires_at": int((minute + timedelta(days=DEFAULT_TTL_DAYS)).timestamp()),
                },
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
