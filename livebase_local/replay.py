"""Re-drive a market's dead letters after a fix: every record goes back on its stream.

Two kinds of message sit on the ingest DLQ: records the handler quarantined (``ValidationFailed``,
which carry the record) and Lambda's on-failure notices (``RetryAttemptsExhausted``, which name a
shard and sequence range still readable from the stream). Each message is deleted only after
its records were put back, so a crash mid-replay loses nothing; records keep their event ids,
so handling them twice changes nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3

from livebase.resources import MarketResources


@dataclass
class ReplayReport:
    messages: int = 0
    records_put: int = 0
    unreadable_messages: int = 0


def _records_of_range(kinesis: Any, stream: str, batch_info: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    iterator = kinesis.get_shard_iterator(
        StreamName=stream,
        ShardId=batch_info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=batch_info["startSequenceNumber"],
    )["ShardIterator"]
    last = int(batch_info["endSequenceNumber"])
    while iterator:
        page = kinesis.get_records(ShardIterator=iterator, Limit=1000)
        for record in page["Records"]:
            if int(record["SequenceNumber"]) > last:
                return
            yield record["PartitionKey"], record["Data"]
        if not page["Records"]:
            return
        iterator = page.get("NextShardIterator")


def records_of_message(body: dict[str, Any], kinesis: Any, stream: str) -> list[tuple[str, bytes]]:
    """(partition key, data) of every record a DLQ message stands for."""
    if body.get("condition") == "ValidationFailed":
        record = body["record"]
        return [(record["partitionKey"], base64.b64decode(record["data"]))]
    batch_info = body.get("KinesisBatchInfo")
    if batch_info:
        return list(_records_of_range(kinesis, stream, batch_info))
    raise ValueError("neither a quarantined record nor a Kinesis on-failure notice")


def replay_dead_letters(resources: MarketResources, max_messages: int = 10_000) -> ReplayReport:
    session = boto3.Session(region_name=resources.region)
    sqs, kinesis = session.client("sqs"), session.client("kinesis")
    report = ReplayReport()
    while report.messages + report.unreadable_messages < max_messages:
        batch = sqs.receive_message(
            QueueUrl=resources.ingest_dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            try:
                records = records_of_message(json.loads(message["Body"]), kinesis, resources.stream_name)
            except (ValueError, KeyError):
                report.unreadable_messages += 1  # left on the queue for a person to read
                continue
            for start in range(0, len(records), 500):
                chunk = records[start : start + 500]
                response = kinesis.put_records(
                    StreamName=resources.stream_name,
                    Records=[{"PartitionKey": key, "Data": data} for key, data in chunk],
                )
                if response["FailedRecordCount"]:
                    raise RuntimeError(
                        f"Kinesis refused {response['FailedRecordCount']} replayed records; message kept"
                    )
            sqs.delete_message(QueueUrl=resources.ingest_dlq_url, ReceiptHandle=message["ReceiptHandle"])
            report.messages += 1
            report.records_put += len(records)
    return report
