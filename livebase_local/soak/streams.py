"""The soak's own set-up of what it drives, and how it knows the consumers are done.

Its catalogue lists each SKU of the simulated day at the price the day sells it at most (the orders
consumer prices every line from it: a flash sale's lower price is then a client price that differs,
repriced or refused per market, as it would be without the session's promotion set by ops or the
plan). Its stream is re-created with the benchmark's shard count; the queues of the order messages get a
short visibility timeout (the template's is six times the function's timeout, minutes: a message
a storm failed would come back after the run); a queue is done when nothing is on it or in flight.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import boto3

from livebase.markets.resources import MarketResources
from livebase_local.simulator.records import SimRecord
from livebase_local.simulator.stock import write_price_list


def write_catalogue(resources: MarketResources, day: Iterable[SimRecord]) -> dict[str, str]:
    """The market's catalogue in its lake: every SKU the day's orders name, at its most common price."""
    prices: dict[str, Counter[str]] = defaultdict(Counter)
    for record in day:
        if record.kind == "order_placed":
            for line in json.loads(record.data)["lines"]:
                prices[line["sku"]][line["unit_price"]] += 1
    list_prices = {sku: counts.most_common(1)[0][0] for sku, counts in sorted(prices.items())}
    write_price_list(resources, list_prices, supplier=f"SUP-{resources.market.upper()}-SOAK")
    return list_prices


def reshard(region: str, stream: str, shards: int) -> None:
    kinesis = boto3.client("kinesis", region_name=region)
    kinesis.delete_stream(StreamName=stream)
    kinesis.create_stream(StreamName=stream, ShardCount=shards)
    kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.2})


def stream_end(region: str, stream: str, acked: dict[str, int]) -> dict[str, int]:
    """The last sequence number of each shard, read from the stream after the newest acknowledged one."""
    kinesis = boto3.client("kinesis", region_name=region)
    ends = {}
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        shard_id = shard["ShardId"]
        request: dict[str, Any] = {"StreamName": stream, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"}
        if shard_id in acked:
            request.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=str(acked[shard_id]))
        ends[shard_id] = acked.get(shard_id, 0)
        cursor = kinesis.get_shard_iterator(**request)["ShardIterator"]
        while cursor:
            reply = kinesis.get_records(ShardIterator=cursor, Limit=10_000)
            if not reply["Records"]:
                break
            ends[shard_id] = int(reply["Records"][-1]["SequenceNumber"])
            cursor = reply.get("NextShardIterator")
    return ends


def shorten_visibility(region: str, queue_urls: list[str], seconds: int) -> None:
    sqs = boto3.client("sqs", region_name=region)
    for url in queue_urls:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": str(seconds)})


def queues_empty(region: str, queue_urls: list[str]) -> bool:
    """Nothing visible and nothing in flight on every queue."""
    sqs = boto3.client("sqs", region_name=region)
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    for url in queue_urls:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        if any(int(attributes.get(name, 0)) for name in names):
            return False
    return True
