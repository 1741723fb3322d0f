"""A simulated warehouse for the local mode: it takes the pick/pack messages and confirms them.

What a real WMS does with the market's WMS queue (contract: :mod:`livebase.commerce.fulfilment`):
each pick/pack message is picked, then shipped, and each step comes back as a shipment update,
applied here through the same library call a cloud consumer of the updates makes. A message is
deleted only once both updates are applied, so a crash re-delivers it and the updates, applied
again, change nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from livebase.commerce.fulfilment import ShipmentUpdate, UpdateOutcome, apply_update
from livebase.markets.resources import MarketResources
from livebase.stores.orders import OrderStore

CARRIER = "demo-post"


@dataclass
class WmsReport:
    messages: int = 0
    picked: int = 0
    shipped: int = 0
    ignored: int = 0  # redelivered updates, or orders this market does not have


def updates_for(message: dict[str, Any], now: datetime) -> list[ShipmentUpdate]:
    """The warehouse's two confirmations of one pick/pack message (picked, then shipped)."""
    order_id, warehouse = message["order_id"], message["warehouse"]
    return [
        ShipmentUpdate(update_id=f"{order_id}-picked", order_id=order_id, warehouse=warehouse, status="picked", at=now),
        ShipmentUpdate(
            update_id=f"{order_id}-shipped", order_id=order_id, warehouse=warehouse, status="shipped",
            at=now + timedelta(minutes=30), carrier=CARRIER,
        ),
    ]  # fmt: skip


def acknowledge_pick_packs(resources: MarketResources, max_messages: int = 10_000) -> WmsReport:
    """Work the market's WMS queue until it is empty (or ``max_messages``)."""
    sqs = boto3.client("sqs", region_name=resources.region)
    orders = OrderStore.for_market(resources)
    report = WmsReport()
    while report.messages < max_messages:
        batch = sqs.receive_message(QueueUrl=resources.wms_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = batch.get("Messages", [])
        if not messages:
            return report
        for message in messages:
            for update in updates_for(json.loads(message["Body"]), datetime.now(UTC)):
                result = apply_update(orders, update)
                if result.outcome is UpdateOutcome.IGNORED:
                    report.ignored += 1
                elif update.status == "picked":
                    report.picked += 1
                else:
                    report.shipped += 1
            sqs.delete_message(QueueUrl=resources.wms_queue_url, ReceiptHandle=message["ReceiptHandle"])
            report.messages += 1
    return report
