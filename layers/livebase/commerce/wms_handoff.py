"""Hand placed orders to the warehouse (WMS) as pick/pack messages on the market's SQS queue.

Each order is handed off once: it is claimed with a conditional write (``wms_status`` =
``sending``), the message is sent, then the order is marked ``sent``. A run that dies after
claiming leaves ``sending`` with a timestamp; a later run re-sends claims older than
``STALE_CLAIM`` (at least once: the WMS dedupes on ``order_id``, which is also the message's
deduplication key). The message names the order, warehouse and lines, never the buyer.

An order the warehouse must not get yet is held (``held``: a presold order whose goods have not
arrived, ``livebase.stores.presales.PresaleBook.held_from_wms``); it is asked after the due orders
are read, and an order's reservation is written before the order, so no order slips through.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from livebase.stores.order_table import OrderRecord
from livebase.stores.orders import OrderStore

STALE_CLAIM = timedelta(minutes=15)
SQS_BATCH = 10


def pick_pack_message(order: OrderRecord, warehouse: str) -> dict[str, Any]:
    return {
        "type": "pick_pack",
        "order_id": order.order_id,
        "market": order.market,
        "warehouse": warehouse,
        "placed_at": OrderRecord.placed_at.serialize(order.placed_at),  # the stored text, as ever
        "lines": [{"sku": str(line.sku), "quantity": int(line.quantity)} for line in order.lines],
    }


def hand_off_orders(
    orders: OrderStore,
    sqs: Any,
    queue_url: str,
    warehouse: str,
    now: datetime | None = None,
    held: Callable[[Sequence[str]], Collection[str]] | None = None,
) -> list[str]:
    """Send pick/pack messages for placed orders not yet handed off (``held`` ones wait); returns the
    order ids sent."""
    now = now or datetime.now(UTC)
    due = orders.due_for_wms(now, STALE_CLAIM)
    waiting = held([o.order_id for o in due]) if held is not None and due else ()
    claimed = [o for o in due if o.order_id not in waiting and orders.claim_for_wms(o, now)]
    sent: list[str] = []
    for start in range(0, len(claimed), SQS_BATCH):
        sent += _send(sqs, queue_url, claimed[start : start + SQS_BATCH], warehouse)
    orders.mark_sent(sent, now)
    if len(sent) < len(claimed):
        raise RuntimeError(f"{len(claimed) - len(sent)} WMS message(s) not accepted; a later run re-sends them")
    return sent


def _send(sqs: Any, queue_url: str, batch: Sequence[OrderRecord], warehouse: str) -> list[str]:
    response = sqs.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {
                "Id": str(index),
                "MessageBody": json.dumps(pick_pack_message(order, warehouse)),
                "MessageAttributes": {"order_id": {"DataType": "String", "StringValue": order.order_id}},
            }
            for index, order in enumerate(batch)
        ],
    )
    return [batch[int(entry["Id"])].order_id for entry in response.get("Successful", [])]
