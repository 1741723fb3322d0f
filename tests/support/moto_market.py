"""A market's queue-consumer resources in the in-process moto: the tables, queues and bus its handlers use."""

from __future__ import annotations

import uuid
from types import ModuleType
from typing import Any

import boto3

from livebase.markets.config import load_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase_local.runner.functions import load_handler
from tests.support.tables import string_keyed_table


class Market:
    """Purchase orders, inventory, orders and room-metrics tables, the receipts / shipment / returns DLQs, the
    returns queue, the WMS queue, the bus."""

    def __init__(self, market_id: str) -> None:
        region = load_markets()[market_id].region
        dynamodb, sqs = boto3.client("dynamodb", region_name=region), boto3.client("sqs", region_name=region)
        names = {field: f"{market_id}-{field}" for field in OUTPUTS}
        names["purchase_orders_table"] = string_keyed_table(dynamodb, "purchase-orders", "po_id")
        names["inventory_table"] = string_keyed_table(dynamodb, "inventory", "sku", "warehouse")
        names["orders_table"] = string_keyed_table(dynamodb, "orders", "order_id")
        names["room_metrics_table"] = string_keyed_table(dynamodb, "room-metrics", "pk", "sk")
        for field in ("goods_receipts_dlq_url", "shipment_updates_dlq_url", "wms_queue_url", "order_returns_queue_url",
                      "order_returns_dlq_url"):  # fmt: skip
            names[field] = sqs.create_queue(QueueName=f"{field.replace('_', '-')}-{uuid.uuid4().hex[:6]}")["QueueUrl"]
        names["event_bus_name"] = f"livebase-{market_id}"
        boto3.client("events", region_name=region).create_event_bus(Name=names["event_bus_name"])
        self.resources = MarketResources(market=market_id, region=region, **names)
        self.sqs, self.dynamodb = sqs, dynamodb

    def handler(self, function: str) -> ModuleType:
        return load_handler(function, self.resources, container=uuid.uuid4().hex[:8])[0]

    def dead_letters(self, queue_url: str) -> list[dict[str, Any]]:
        reply = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        return reply.get("Messages", [])
