"""A room's money as the orders consumer decided it: one item per accepted order in the room-metrics table.

Room GMV counts only what the orders consumer accepted, at Livebase's prices, and refunds only as
applied (issue 28). Ingest still counts the order ids a room saw (viewers' intent, refused orders
included) but no money. The item sits in the room's partition at the order's placed minute, so the
room's minutes fold it like any running total (``livebase.live.room_minutes``)::

    pk  "ROOM#<room_id>"     sk  "MIN#<placed minute>Z#PART#ORDER#<order_id>"
    accepted {order_id: Livebase's total}   refund_amount (what went back so far)   version   ...

It is written from the order's state alone (:func:`room_order_item`): at acceptance (version 0) and
after every state write that moved money, each put conditional on a newer version than the one
stored, so a redelivery rewrites nothing, a late writer never puts an older total back, and any
later message of the order repairs a put a crash lost.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from livebase.aws import to_attributes
from livebase.commerce.order_state import OrderState
from livebase.live.room_metrics import DEFAULT_TTL_DAYS, ITEM_SCHEMA, minute_of
from livebase.stores.room_keys import minute_key

ORDER_PART = "ORDER#"  # the sort key's "shard": one item per order, never a shard's running total


def room_order_item(state: OrderState) -> dict[str, Any]:
    """The order's item (plain values): its room, minute, Livebase's total and what was refunded."""
    minute = minute_of(state.placed_at)
    return {
        **minute_key(state.room_id, minute, f"{ORDER_PART}{state.order_id}"),
        "schema": ITEM_SCHEMA, "market": state.market, "room_id": state.room_id, "minute": minute.isoformat(),
        "currency": state.currency, "accepted": {state.order_id: state.paid}, "refund_amount": state.refunded,
        "version": state.version, "expires_at": int((minute + timedelta(days=DEFAULT_TTL_DAYS)).timestamp()),
    }  # fmt: skip


class RoomOrders:
    """Writes the room items of accepted orders (a boto3 DynamoDB client, the room-metrics table)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table = table_name

    def record(self, state: OrderState) -> bool:
        """Put the order's item unless the stored one is as new; False when nothing was written
        (a rejected order has none)."""
        if state.rejected:
            return False
        try:
            self.client.put_item(
                TableName=self.table,
                Item=to_attributes(room_order_item(state)),
                ConditionExpression="attribute_not_exists(sk) OR version < :v",
                ExpressionAttributeValues={":v": {"N": str(state.version)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
