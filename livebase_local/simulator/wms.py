"""A simulated warehouse for the local mode: it takes the pick/pack messages and confirms them.

What a real WMS does with the market's WMS queue (contract: :mod:`livebase.commerce.fulfilment`):
each pick/pack message is picked, shipped, then delivered by the carrier, and each step goes back as
a shipment update on the stack's ``shipment-updates`` queue, where the ``fulfilment`` function (run
locally by the event-source runner, as Lambda runs it in the cloud) applies it: the shipment
consumes the order's reservation, the delivery starts its return window. A pick/pack message is
deleted only once its updates are sent, so a crash re-delivers it and the updates, sent again,
change nothing when applied (``update_id`` is per order and step). Steps are dated up to now, never
ahead of it (Livebase refuses news from the future).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from livebase.commerce.fulfilment import ShipmentUpdate
from livebase.markets.resources import MarketResources

CARRIER = "demo-post"


@dataclass
class WmsReport:
    messages: int = 0  # pick/pack messages worked
    updates_sent: int = 0  # shipment updates put on the shipment-updates queue


# Each step and how long before ``now`` it is dated (picked first, delivered last).
STEPS: tuple[tuple[str, timedelta], ...] = (
    ("picked", timedelta(minutes=40)), ("shipped", timedelta(minutes=30)), ("delivered", timedelta(0)),
)  # fmt: skip


def updates_for(message: dict[str, Any], now: datetime) -> list[ShipmentUpdate]:
    """The warehouse's confirmations of one pick/pack message: picked, shipped, delivered."""
    order_id, warehouse = message["order_id"], message["warehouse"]
    return [
        ShipmentUpdate(
            update_id=f"{order_id}-{status}", order_id=order_id, warehouse=warehouse, status=status,  # type: ignore[arg-type]
            at=now - before, carrier=None if status == "picked" else CARRIER,
        )
        for status, before in STEPS
    ]  # fmt: skip


def send_updates(sqs: Any, queue_url: str, updates: list[ShipmentUpdate]) -> int:
    """Put shipment updates on the market's shipment-updates queue, ten per call."""
    for start in range(0, len(updates), 10):
        entries = [
            {"Id": str(i), "MessageBody": update.model_dump_json()}
            for i, update in enumerate(updates[start : start + 10])
        ]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"shipment-updates queue refused {len(response['Failed'])} updates")
    return len(updates)


def acknowledge_pick_packs(resources: MarketResources, max_messages: int = 10_000) -> WmsReport:
    """Work the market's WMS queue until it is empty (or ``max_messages``), confirming each order."""
    sqs = boto3.client("sqs", region_name=resources.region)
    report = WmsReport()
    while report.messages < max_messages:
        batch = sqs.receive_message(QueueUrl=resources.wms_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = batch.get("Messages", [])
        if not messages:
            return report
        updates = [u for m in messages for u in updates_for(json.loads(m["Body"]), datetime.now(UTC))]
        report.updates_sent += send_updates(sqs, resources.shipment_updates_queue_url, updates)
        for message in messages:
            sqs.delete_message(QueueUrl=resources.wms_queue_url, ReceiptHandle=message["ReceiptHandle"])
            report.messages += 1
    return report
