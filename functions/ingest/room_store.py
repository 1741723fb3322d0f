"""Data access for the room_metrics table: partial aggregates, concurrency checkpoints, alert marks.

One partition per room (``pk = ROOM#<room>``); sort keys:
- ``MIN#<minute>Z#PART#<shard>#<first seq>``: a batch's partial for a minute (overwritten on
  redelivery, see ``livebase.room_metrics``);
- ``CONC#<minute>Z``: concurrent viewers at the end of a judged minute, so judging the next
  minutes needs only a trailing window, not the whole show;
- ``ALERT#<minute>Z#<alert key>``: written once (conditional put) so an alert goes out once even
  when its batch is redelivered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from livebase.room_metrics import DEFAULT_TTL_DAYS, minute_of, query_range
from livebase.room_minutes import MinuteMetrics, fold_items

MAX_REPLAY = timedelta(hours=4)


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

    def write_partials(self, items: Iterable[dict[str, Any]]) -> None:
        """Plain puts (overwrite): a redelivered batch rewrites the same items."""
        with self.table.batch_writer() as writer:
            for item in items:
                writer.put_item(Item=item)

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
