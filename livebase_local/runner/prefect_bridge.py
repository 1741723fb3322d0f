"""The bridge from each market's replenish-signals queue to Prefect (see ``flows.triggers``).

The stack defines the wiring (``infra_cdk/components/signals.py``): a rule on the market bus
sends ``stock.low`` / ``stock.out`` to the market's replenish-signals queue (stack output
``ReplenishSignalsQueueUrl``), the same in the cloud and in the local AWS. This poller hands each
message (the event as delivered) to ``forward_stock_signal`` and deletes it once forwarded; a
message it cannot forward stays for a retry and, after 5 receives, goes to the queue's DLQ. In
the cloud a market may also name its Prefect API, and the stack then POSTs the event there itself.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

import boto3

from livebase.markets.resources import MarketResources

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
            self.queues.append(_MarketQueue(market_id, sqs, resources.replenish_signals_queue_url))

    def poll_once(self) -> int:
        from flows.triggers import forward_stock_signal

        handled = 0
        for queue in self.queues:
            messages = queue.sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10).get("Messages", [])
            for message in messages:
                try:
                    if forward_stock_signal(json.loads(message["Body"])) is not None:
                        self.forwarded += 1
                except Exception:  # a bad message must not stop the bridge; it stays for a retry
                    log.exception("could not forward a stock signal of market %s", queue.market)
                    continue
                queue.sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
                handled += 1
        return handled

    def run_forever(self, stop: threading.Event, idle_sleep: float = 1.0) -> None:
        while not stop.is_set():
            if self.poll_once() == 0:
                stop.wait(idle_sleep)
