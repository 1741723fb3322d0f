"""The shapes Lambda itself produces for a Kinesis or SQS event source, built from real records.

A handler run by the local runner sees the same event, context and on-failure record it would
see in the cloud (field names and types as documented for Kinesis event source mappings).
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from livebase_local.aws.mappings import EventSourceConfig, SqsSourceConfig

if TYPE_CHECKING:
    from livebase_local.runner.bus_targets import BusFunctionTarget


class LambdaContext:
    """The Lambda context object: the attributes and method handlers and powertools read."""

    def __init__(
        self, config: EventSourceConfig | SqsSourceConfig | BusFunctionTarget, *, clock: Any = time.monotonic
    ) -> None:
        self.function_name = config.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = config.function_arn
        self.memory_limit_in_mb = str(config.memory_mb)
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{config.function_name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._clock = clock
        self._deadline = clock() + config.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._clock()) * 1000))


def kinesis_event_record(record: Mapping[str, Any], shard_id: str, config: EventSourceConfig) -> dict[str, Any]:
    """One ``Records[]`` entry from a ``GetRecords`` record, as Lambda delivers it."""
    arrival = record["ApproximateArrivalTimestamp"]
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"],
            "data": base64.b64encode(record["Data"]).decode("ascii"),
            "approximateArrivalTimestamp": arrival.timestamp(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": config.role_arn,
        "awsRegion": config.region,
        "eventSourceARN": config.stream_arn,
    }


def kinesis_event(records: Sequence[Mapping[str, Any]], shard_id: str, config: EventSourceConfig) -> dict[str, Any]:
    return {"Records": [kinesis_event_record(r, shard_id, config) for r in records]}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def on_failure_record(
    records: Sequence[Mapping[str, Any]],
    shard_id: str,
    config: EventSourceConfig,
    *,
    condition: str,
    attempts: int,
    error_message: str,
    function_error: str = "Unhandled",
) -> dict[str, Any]:
    """The message Lambda sends to an on-failure destination for a discarded Kinesis batch.

    Like Lambda, it names the records (shard and sequence range) rather than carrying them: the
    data stays in the stream for a replay. ``errorMessage`` adds why the last attempt failed.
    """
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": config.function_arn,
            "condition": condition,  # RetryAttemptsExhausted | RecordAgeExceeded
            "approximateInvokeCount": attempts,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": function_error},
        "version": "1.0",
        "timestamp": _iso(datetime.now(UTC)),
        "KinesisBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records[0]["SequenceNumber"],
            "endSequenceNumber": records[-1]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso(records[0]["ApproximateArrivalTimestamp"]),
            "approximateArrivalOfLastRecord": _iso(records[-1]["ApproximateArrivalTimestamp"]),
            "batchSize": len(records),
            "streamArn": config.stream_arn,
        },
        "errorMessage": error_message,
    }


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """``ReceiveMessage``'s ``{"StringValue", "DataType"}`` in Lambda's event spelling."""
    shaped: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType", "")}
    if "StringValue" in value:
        shaped["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        shaped["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return shaped


def sqs_event_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One ``Records[]`` entry from a ``ReceiveMessage`` message, as Lambda's SQS poller delivers it."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {k: _message_attribute(v) for k, v in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [sqs_event_record(m, queue_arn, region) for m in messages]}
