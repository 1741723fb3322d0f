"""Room minutes of a whole market over a period, for planning (not the ingest hot path).

Why a scan: the room-metrics table is keyed by room (``ROOM#<room>``), and a planner wants every
room's minutes of the last weeks without a room index. Items expire after
``livebase.live.room_metrics.DEFAULT_TTL_DAYS`` (35 days), so the table a scan reads stays
bounded; the filter keeps only the running totals (``MIN#``) in the period and the projection
only what the hour-of-week and on-screen folds need. Reads ``pk``, ``sk`` and the running totals'
fields (:func:`livebase.live.room_metrics.partial_item`), writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr

from livebase.live.room_minutes import MinuteMetrics, fold_items
from livebase.stores.room_keys import MINUTES, stamp


class RoomHistory:
    """Read-only view of one market's room-metrics table (a boto3 ``Table`` resource)."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def _items(self, first: datetime, last: datetime) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "FilterExpression": Attr("sk").between(f"{MINUTES}{stamp(first)}", f"{MINUTES}{stamp(last)}#~")
        }
        while True:
            page = self.table.scan(**request)
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def minutes(self, first: datetime, last: datetime) -> list[MinuteMetrics]:
        """Every room's minutes between ``first`` and ``last`` (UTC), rooms concatenated."""
        rooms = fold_items(self._items(first, last))
        return [minute for series in rooms.values() for minute in series]
