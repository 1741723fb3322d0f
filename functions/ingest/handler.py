"""Ingest Lambda: a market's live-event stream → orders table, event bus, quarantine.

Kinesis batch with partial failures: a record that fails for a transient reason is reported
and redelivered; a record that can never validate is quarantined (S3 + DLQ, with the reason)
and acknowledged, so it cannot block the shard. Orders are idempotent on their order id.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from livebase.events import OrderPlaced, parse_event
from livebase.orders import order_model, order_placed_entry, order_record
from livebase.quarantine import (
    QuarantinedRecord,
    describe_error,
    dlq_message,
    quarantine_body,
    quarantine_key,
)
from livebase.resources import MarketResources

# Cold start: everything market-specific is read once, from the stack's environment.
resources = MarketResources.from_environment()
session = boto3.Session(region_name=resources.region)
events_client = session.client("events")
s3_client = session.client("s3")
sqs_client = session.client("sqs")
orders = order_model(resources.orders_table, resources.region)

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
idempotency = IdempotencyConfig(event_key_jmespath="order_id", expires_after_seconds=7 * 24 * 3600)
persistence = DynamoDBPersistenceLayer(table_name=resources.idempotency_table, boto3_session=session)


@dataclass
class BatchState:
    """What one invocation collects beside the per-record work."""

    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    orders_accepted: int = 0
    events_seen: int = 0


@idempotent_function(
    data_keyword_argument="order", config=idempotency, persistence_store=persistence, key_prefix="order_placed"
)
def accept_order(order: dict[str, Any]) -> dict[str, str]:
    """Store the order and announce it; runs once per order id, however often it is delivered."""
    placed = OrderPlaced.model_validate(order)
    order_record(orders, placed).save()
    response = events_client.put_events(Entries=[order_placed_entry(placed, resources.event_bus_name)])
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"EventBridge refused OrderPlaced: {response['Entries'][0].get('ErrorCode')}")
    return {"order_id": placed.order_id, "status": "accepted"}


def handle_record(record: KinesisStreamRecord, state: BatchState) -> None:
    raw = record.kinesis.data
    try:
        event = parse_event(base64.b64decode(raw))
    except (ValidationError, ValueError) as error:
        reason = describe_error(error)
        logger.warning("record quarantined", sequence_number=record.kinesis.sequence_number, reason=reason)
        state.quarantined.append(
            QuarantinedRecord(
                sequence_number=record.kinesis.sequence_number,
                partition_key=record.kinesis.partition_key,
                shard_id=record.event_id.split(":")[0],
                reason=reason,
                data_b64=raw,
            )
        )
        return
    state.events_seen += 1
    if isinstance(event, OrderPlaced):
        accept_order(order=event.model_dump(mode="json"))
        state.orders_accepted += 1


def flush_quarantine(state: BatchState) -> None:
    """Quarantine first in S3 (the market's own bucket), then one DLQ message per record."""
    if not state.quarantined:
        return
    first = state.quarantined[0]
    key = quarantine_key(resources.market, first.shard_id, first.sequence_number)
    s3_client.put_object(Bucket=resources.data_lake_bucket, Key=key, Body=quarantine_body(state.quarantined))
    for start in range(0, len(state.quarantined), 10):
        chunk = state.quarantined[start : start + 10]
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(dlq_message(resources.market, r, key))}
            for i, r in enumerate(chunk)
        ]
        response = sqs_client.send_message_batch(QueueUrl=resources.ingest_dlq_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"DLQ refused {len(response['Failed'])} quarantine messages")


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    state = BatchState()
    response = process_partial_response(
        event=event, record_handler=partial(handle_record, state=state), processor=processor, context=context
    )
    flush_quarantine(state)
    failures = len(response.get("batchItemFailures", []))
    metrics.add_dimension(name="market", value=resources.market)
    metrics.add_metric(name="RecordsReceived", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    metrics.add_metric(name="OrdersAccepted", unit=MetricUnit.Count, value=state.orders_accepted)
    metrics.add_metric(name="RecordsQuarantined", unit=MetricUnit.Count, value=len(state.quarantined))
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=failures)
    logger.info(
        "batch done",
        records=len(event.get("Records", [])),
        orders_accepted=state.orders_accepted,
        quarantined=len(state.quarantined),
        failed=failures,
    )
    return dict(response)
