"""The ring window shared by every container of a market's orders consumer, in its room-metrics table.

The stream is partitioned by viewer, so one container sees all of one viewer's orders but a ring's
fresh accounts land on different shards, hence different containers: a window kept in memory never
sees them together (the demo's ring of four was served whole). Here each first-order bulk buy adds
the buyer's key (a digest of the pseudonym, ``moderation.store.viewer_key``) to the item
``RING#<room>#<sku>`` / ``<minute>``; the buyers of the window are the union of its minutes. To the
minute: a window of two minutes reads the current minute and the two before it (120 to 180 s).
Only bulk orders of first-time buyers write or read it (one UpdateItem and one Query each); items
expire after a day.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from boto3.dynamodb.conditions import Key

from livebase.moderation.store import viewer_key

PREFIX = "RING#"
MINUTE_S = 60
EXPIRY_S = 86_400


class SharedRingWindow:
    """:class:`~livebase.risk.orders.RingWindow` over a boto3 Table of the market's room-metrics table."""

    def __init__(self, table: Any, clock: Callable[[], float] = time.time) -> None:
        self.table, self.clock = table, clock

    def others(self, room_id: str, sku: str, viewer_id: str, now: float, span: float, fresh: bool) -> set[str]:
        """Other fresh bulk buyers of ``sku`` in ``room_id`` within ``span`` seconds to the minute; this
        buyer joins them first when ``fresh`` (a redelivery adds the same key again: a set)."""
        me, pk, minute = viewer_key(viewer_id), f"{PREFIX}{room_id}#{sku}", int(now // MINUTE_S)
        if fresh:
            self.table.update_item(
                Key={"pk": pk, "sk": f"{minute:010d}"},
                UpdateExpression="ADD viewers :me SET expires_at = if_not_exists(expires_at, :expires)",
                ExpressionAttributeValues={":me": {me}, ":expires": int(self.clock()) + EXPIRY_S},
            )
        first = int((now - span) // MINUTE_S)
        found = self.table.query(
            KeyConditionExpression=Key("pk").eq(pk) & Key("sk").between(f"{first:010d}", f"{minute:010d}"),
            ConsistentRead=True,
        )["Items"]
        return {str(v) for item in found for v in item.get("viewers", set())} - {me}
