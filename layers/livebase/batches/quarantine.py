"""Records a consumer will never apply: where they go and what reason travels with them.

A record that cannot be applied is not retried (retries would only block the shard): it is kept
in the market's own bucket, one object per record, and announced on the consumer's DLQ with the
reason, and a ``replay`` re-drives it after a fix. Reasons never echo input values
(:func:`livebase.batches.reasons.describe_error`), so they are safe to log.

Idempotent per record: the object key is the record's (market, consumer, shard, sequence
number), and a record whose object exists was announced before, so a redelivered batch neither
writes a second object nor sends a second message. The message carries the record when it fits
and only the object's key when it does not, so a quarantine message always fits SQS.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from livebase.aws import TransientError
from livebase.markets.resources import MarketResources

QUARANTINE_PREFIX = "quarantine"
VALIDATION_FAILED = "ValidationFailed"  # the record can never be valid for this market
PROCESSING_FAILED = "ProcessingFailed"  # a valid record whose handling raised an unexpected error
MAX_INLINE_BYTES = 64 * 1024  # a message carries the record up to this size, else only the object key
MAX_BATCH_BYTES = 200 * 1024  # SendMessageBatch: 256 KiB for the ten messages together
_BATCH_ENTRIES = 10


@dataclass(frozen=True)
class QuarantinedRecord:
    sequence_number: str
    partition_key: str
    shard_id: str
    reason: str
    data_b64: str  # the record exactly as received, for replay
    condition: str = VALIDATION_FAILED

    @classmethod
    def from_kinesis(cls, record: Any, reason: str, condition: str = VALIDATION_FAILED) -> QuarantinedRecord:
        """From a Lambda Kinesis record (powertools' ``KinesisStreamRecord``), data as received."""
        return cls(
            sequence_number=record.kinesis.sequence_number,
            partition_key=record.kinesis.partition_key,
            shard_id=record.event_id.split(":")[0],
            reason=reason,
            data_b64=record.kinesis.data,
            condition=condition,
        )

    def to_json(self, *, with_data: bool = True) -> dict[str, Any]:
        body = {
            "sequenceNumber": self.sequence_number,
            "partitionKey": self.partition_key,
            "shardId": self.shard_id,
            "reason": self.reason,
        }
        if with_data:
            body["data"] = self.data_b64
        return body


def quarantine_key(market: str, consumer: str, shard_id: str, sequence_number: str) -> str:
    """S3 key of one quarantined record: the same for every delivery of that record."""
    return f"{QUARANTINE_PREFIX}/{market}/{consumer}/{shard_id}/{sequence_number}.json"


def quarantine_body(record: QuarantinedRecord) -> bytes:
    return (json.dumps({**record.to_json(), "condition": record.condition}) + "\n").encode("utf-8")


def dlq_message(market: str, record: QuarantinedRecord, object_key: str) -> str:
    """The DLQ message body: the record inline when it fits, a pointer to its object otherwise."""
    body = {
        "condition": record.condition,
        "market": market,
        "reason": record.reason,
        "quarantineObject": object_key,
        "record": record.to_json(),
    }
    text = json.dumps(body)
    if len(text) <= MAX_INLINE_BYTES:
        return text
    body["record"] = record.to_json(with_data=False)
    return json.dumps(body)


def record_data(record: dict[str, Any], s3: Any, bucket: str, object_key: str | None) -> bytes:
    """A quarantined record's bytes, from the message or, when only pointed to, from its object."""
    if "data" in record:
        return base64.b64decode(record["data"])
    if not object_key:
        raise ValueError("quarantine message carries neither the record nor its object key")
    stored = json.loads(s3.get_object(Bucket=bucket, Key=object_key)["Body"].read())
    return base64.b64decode(stored["data"])


def _batches(
    entries: Sequence[tuple[QuarantinedRecord, str, str]],
) -> Iterator[list[tuple[QuarantinedRecord, str, str]]]:
    batch: list[tuple[QuarantinedRecord, str, str]] = []
    size = 0
    for entry in entries:
        if batch and (len(batch) == _BATCH_ENTRIES or size + len(entry[2]) > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(entry)
        size += len(entry[2])
    if batch:
        yield batch


class Quarantine:
    """One consumer's quarantine in its market: objects in the data lake, messages on its DLQ."""

    def __init__(self, s3: Any, sqs: Any, *, bucket: str, queue_url: str, market: str, consumer: str) -> None:
        self.s3, self.sqs = s3, sqs
        self.bucket, self.queue_url = bucket, queue_url
        self.market, self.consumer = market, consumer

    @classmethod
    def of_consumer(
        cls, session: Any, resources: MarketResources, consumer: str, queue_url: str | None = None
    ) -> Quarantine:
        """The quarantine of one of the market's stream consumers in the market's lake, on its DLQ:
        ``queue_url``, else the stack output of ``ingest`` or ``orders``."""
        queues = {"ingest": resources.ingest_dlq_url, "orders": resources.orders_dlq_url}
        return cls(
            session.client("s3"), session.client("sqs"), bucket=resources.data_lake_bucket,
            queue_url=queue_url or queues[consumer], market=resources.market, consumer=consumer,
        )  # fmt: skip

    def _exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put(self, records: Sequence[QuarantinedRecord]) -> int:
        """Announce and keep every record not quarantined before; returns how many were new.

        The message goes first and the object after it, so a crash in between is repaired by the
        redelivery (at worst one duplicate message, never a record kept but not announced).
        """
        fresh = []
        for record in {r.sequence_number: r for r in records}.values():
            key = quarantine_key(self.market, self.consumer, record.shard_id, record.sequence_number)
            if not self._exists(key):
                fresh.append((record, key, dlq_message(self.market, record, key)))
        for batch in _batches(fresh):
            entries = [{"Id": str(i), "MessageBody": body} for i, (_, _, body) in enumerate(batch)]
            response = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            if response.get("Failed"):
                raise QuarantineUnavailable(f"DLQ refused {len(response['Failed'])} quarantine messages")
            for record, key, _ in batch:
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=quarantine_body(record))
        return len(fresh)


class QuarantineUnavailable(TransientError):
    """The DLQ refused a message: transient, the batch is redelivered."""


# --- Queue consumers (SQS): the refused message itself goes to the queue's DLQ, the reason beside it.

CONDITION_ATTRIBUTE = "livebase-condition"
REASON_ATTRIBUTE = "livebase-reason"
CONSUMER_ATTRIBUTE = "livebase-consumer"
SOURCE_MESSAGE_ATTRIBUTE = "livebase-source-message-id"
REFUSED = "Refused"  # valid, but the domain refuses it (an over-receipt, an unknown purchase order)


@dataclass(frozen=True)
class QuarantinedMessage:
    message_id: str
    body: str  # exactly as received: SQS's own DLQ redrive can move it back to its queue
    reason: str
    condition: str = VALIDATION_FAILED

    def entry(self, index: int, consumer: str) -> dict[str, Any]:
        """A ``SendMessageBatch`` entry: the body unchanged, condition and reason as attributes."""
        attributes = {
            CONDITION_ATTRIBUTE: self.condition,
            REASON_ATTRIBUTE: self.reason or self.condition,
            CONSUMER_ATTRIBUTE: consumer,
            SOURCE_MESSAGE_ATTRIBUTE: self.message_id,
        }
        return {
            "Id": str(index),
            "MessageBody": self.body,
            "MessageAttributes": {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
        }


class QueueQuarantine:
    """A queue consumer's quarantine: each message it will never apply, on the queue's own DLQ.

    The message is acknowledged on its queue once sent here, so it is neither retried nor lost;
    the DLQ is the one SQS redrives to after ``maxReceiveCount``, so an operator finds everything
    that did not go through in one place, with the reason (``livebase-reason``) when it was
    refused rather than failed. At least once: a crash after the send redelivers the message and
    it is sent again (``livebase-source-message-id`` tells the copies apart).
    """

    def __init__(self, sqs: Any, *, queue_url: str, consumer: str) -> None:
        self.sqs, self.queue_url, self.consumer = sqs, queue_url, consumer

    def put(self, messages: Sequence[QuarantinedMessage]) -> int:
        """Send every message (ten per call, within SQS's batch size); raises a transient error if refused."""
        batch: list[dict[str, Any]] = []
        size = 0
        sent = 0
        for message in messages:
            entry = message.entry(len(batch), self.consumer)
            length = len(message.body.encode("utf-8")) + 512
            if batch and (len(batch) == _BATCH_ENTRIES or size + length > MAX_BATCH_BYTES):
                sent += self._send(batch)
                batch, size = [], 0
                entry = message.entry(0, self.consumer)
            batch.append(entry)
            size += length
        if batch:
            sent += self._send(batch)
        return sent

    def _send(self, entries: list[dict[str, Any]]) -> int:
        response = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        if response.get("Failed"):
            raise QuarantineUnavailable(f"DLQ refused {len(response['Failed'])} quarantine messages")
        return len(entries)
