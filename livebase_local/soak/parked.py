"""The end of a soak as an operator would: the records the faults parked on the DLQs, replayed.

A Kinesis batch whose retries ran out (the handler storm) is parked: Lambda's on-failure notice on
the consumer's DLQ names its shard and sequence range. After the run the soak reads what is parked
(:func:`peek_parked`, the messages made visible again at once), then replays both DLQs of each
market with the operator's own command (:func:`livebase_local.commands.replay.replay_dead_letters`:
ingest's records back on the stream, order batches to the orders function, here in this process as
the local runner runs it). Records every consumer would refuse again (malformed ones) stay on the
DLQ, as the command leaves them; the audit then counts what is still parked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from livebase.markets.resources import MarketResources
from livebase_local.commands.replay import OrdersInvoker, ReplayReport, orders_config, replay_dead_letters
from livebase_local.runner.lambda_shapes import LambdaContext

Range = tuple[str, int, int]  # shard, first and last sequence number
PEEK_VISIBILITY = 300  # seconds a peeked message stays hidden, should the peek fail half-way


@dataclass
class Parked:
    """One market's on-failure ranges, per consumer, as they were before the replay."""

    ingest: list[Range] = field(default_factory=list)
    orders: list[Range] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(end - start + 1 for _, start, end in (*self.ingest, *self.orders))


def peek_ranges(sqs: Any, url: str) -> list[Range]:
    """The on-failure ranges on a DLQ; every message read is made visible again before returning."""
    ranges: list[Range] = []
    handles: list[str] = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=PEEK_VISIBILITY)
        messages = batch.get("Messages", [])
        if not messages:
            break
        for message in messages:
            handles.append(message["ReceiptHandle"])
            try:
                info = json.loads(message["Body"]).get("KinesisBatchInfo")
            except (ValueError, AttributeError):
                continue
            if isinstance(info, dict):
                ranges.append((str(info["shardId"]), int(info["startSequenceNumber"]), int(info["endSequenceNumber"])))
    for start in range(0, len(handles), 10):
        entries = [{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
                   for i, h in enumerate(handles[start : start + 10])]  # fmt: skip
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
    return ranges


def peek_parked(resources: MarketResources) -> Parked:
    sqs = boto3.client("sqs", region_name=resources.region)
    return Parked(peek_ranges(sqs, resources.ingest_dlq_url), peek_ranges(sqs, resources.orders_dlq_url))


def in_process_orders(resources: MarketResources, logs: Path) -> OrdersInvoker:
    """The market's orders handler in this process (its log beside the runner's), as replay invokes it."""
    from livebase_local.runner.functions import load_handler

    handler = load_handler("orders", resources, log_dir=logs, container="replay")[1]
    return lambda event: handler(event, LambdaContext(orders_config(resources, {})))


def replay_parked(resources: MarketResources, logs: Path) -> ReplayReport:
    """Both DLQs of the market, replayed as ``./livebase replay`` does (malformed records left)."""
    return replay_dead_letters(resources, invoke_orders=in_process_orders(resources, logs))
