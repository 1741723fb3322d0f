"""Hand placed orders to the warehouse (WMS) as pick/pack messages on the market's SQS queue.

Each order is handed off once: it is claimed with a conditional write (``wms_status`` =
``sending``), the message is sent, then the order is marked ``sent``. A run that dies after
claiming leaves ``sending`` with a timestamp; a later run re-sends claims older than
``STALE_CLAIM`` (at least once: the WMS dedupes on ``order_id``, which is also the message's
deduplication key). The message names the order, warehouse and lines, never the buyer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from flows.replenishment_io import PLACED, dynamodb, scan
from livebase.commerce.orders import market_warehouse
from livebase.markets.resources import MarketResources

SENDING, SENT = "sending", "sent"
STALE_CLAIM = timedelta(minutes=15)
SQS_BATCH = 10


def pick_pack_message(order: dict[str, Any], warehouse: str) -> dict[str, Any]:
    return {
        "type": "pick_pack",
        "order_id": order["order_id"],
        "market": order["market"],
        "warehouse": warehouse,
        "placed_at": order["placed_at"],
        "lines": [{"sku": str(line["sku"]), "quantity": int(line["quantity"])} for line in order["lines"]],
    }


def _due(order: dict[str, Any], now: datetime) -> bool:
    status = order.get("wms_status")
    if status is None:
        return True
    claimed = order.get("wms_claimed_at")
    return status == SENDING and bool(claimed) and datetime.fromisoformat(str(claimed)) < now - STALE_CLAIM


def _claim(client: Any, table: str, order: dict[str, Any], now: datetime) -> bool:
    """Conditional claim: only one run hands an order off (a stale claim may be taken over)."""
    condition = "attribute_not_exists(wms_status)"
    values: dict[str, Any] = {":sending": {"S": SENDING}, ":now": {"S": now.isoformat()}}
    if order.get("wms_status") == SENDING:
        condition = "wms_status = :sending AND wms_claimed_at = :seen"
        values[":seen"] = {"S": str(order["wms_claimed_at"])}
    try:
        client.update_item(
            TableName=table,
            Key={"order_id": {"S": order["order_id"]}},
            UpdateExpression="SET wms_status = :sending, wms_claimed_at = :now",
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def hand_off_orders(resources: MarketResources, now: datetime | None = None) -> list[str]:
    """Send pick/pack messages for placed orders not yet handed off; returns the order ids sent."""
    now = now or datetime.now(UTC)
    client = dynamodb(resources)
    orders = scan(
        client,
        TableName=resources.orders_table,
        ProjectionExpression="order_id, market, placed_at, #lines, wms_status, wms_claimed_at",
        FilterExpression="#status = :placed",
        ExpressionAttributeNames={"#status": "status", "#lines": "lines"},
        ExpressionAttributeValues={":placed": {"S": PLACED}},
    )
    claimed = [o for o in orders if _due(o, now) and _claim(client, resources.orders_table, o, now)]
    sqs = boto3.client("sqs", region_name=resources.region)
    warehouse = market_warehouse(resources.market)
    sent: list[str] = []
    for start in range(0, len(claimed), SQS_BATCH):
        batch = claimed[start : start + SQS_BATCH]
        sent += _send(sqs, resources.wms_queue_url, batch, warehouse)
    for order_id in sent:
        client.update_item(
            TableName=resources.orders_table,
            Key={"order_id": {"S": order_id}},
            UpdateExpression="SET wms_status = :sent, wms_sent_at = :now",
            ExpressionAttributeValues={":sent": {"S": SENT}, ":now": {"S": now.isoformat()}},
        )
    if len(sent) < len(claimed):
        raise RuntimeError(f"{len(claimed) - len(sent)} WMS message(s) not accepted; a later run re-sends them")
    return sent


def _send(sqs: Any, queue_url: str, batch: Sequence[dict[str, Any]], warehouse: str) -> list[str]:
    response = sqs.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {
                "Id": str(index),
                "MessageBody": json.dumps(pick_pack_message(order, warehouse)),
                "MessageAttributes": {"order_id": {"DataType": "String", "StringValue": order["order_id"]}},
            }
            for index, order in enumerate(batch)
        ],
    )
    return [batch[int(entry["Id"])]["order_id"] for entry in response.get("Successful", [])]
