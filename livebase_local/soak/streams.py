"""The soak's own set-up of what it drives, and how it knows the consumers are done.

Its catalogue is ``livebase_local.simulator.stock.write_catalogue``'s. Its stream is re-created with
the benchmark's shard count; the queues of the order messages get a short visibility timeout (the
template's is six times the function's timeout, minutes: a message a storm failed would come back
after the run); a queue is done when nothing is on it or in flight.
"""

from __future__ import annotations

from typing import Any

import boto3


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
