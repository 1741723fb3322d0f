"""Local stand-in for the cloud's EventBridge → Prefect bridge (see ``flows.triggers``).

In the cloud a rule on each market bus sends ``stock.low`` to a small Lambda (or an API
destination) that emits the Prefect event. Here the same rule targets an SQS queue in the
market's region and this poller hands each message to ``forward_stock_signal``.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

import boto3

from livebase.commerce.inventory.alerts import STOCK_EVENT_SOURCE, STOCK_LOW
from livebase.markets.resources import MarketResources

RULE_NAME = "livebase-stock-low-to-prefect"
log = logging.getLogger(__name__)


@dataclass
class _MarketQueue:
    market: str
    sqs: Any
    url: str


class StockSignalBridge:
    def __init__(self, markets: dict[str, MarketResources]) -> None:
        self.queues: list[_MarketQueue] = []
        self.forwarded = 0
        for market_id, resources in markets.items():
            sqs = boto3.client("sqs", region_name=resources.region)
            events = boto3.client("events", region_name=resources.region)
            url = sqs.create_queue(QueueName=f"livebase-{market_id}-stock-low-bridge")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            events.put_rule(
                Name=RULE_NAME,
                EventBusName=resources.event_bus_name,
                EventPattern=json.dumps({"source": [STOCK_EVENT_SOURCE], "detail-type": [STOCK_LOW]}),
            )
            events.put_targets(
                Rule=RULE_NAME, EventBusName=resources.event_bus_name, Targets=[{"Id": "bridge", "Arn": arn}]
            )
            self.queues.append(_MarketQueue(market_id, sqs, url))

    def poll_once(self) -> int:
        from flows.triggers import forward_stock_signal

        handled = 0
        for queue in self.queues:
            messages = queue.sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10).get("Messages", [])
            for message in messages:
                try:
                    forward_stock_signal(json.loads(message["Body"]))
                    self.forwarded += 1
                except Exception:  # a bad message must not stop the bridge; it stays for a retry
                    log.exception("could not forward a stock.low event of market %s", queue.market)
                    continue
                queue.sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
                handled += 1
        return handled

    def run_forever(self, stop: threading.Event, idle_sleep: float = 1.0) -> None:
        while not stop.is_set():
            if self.poll_once() == 0:
                stop.wait(idle_sleep)
