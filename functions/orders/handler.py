"""Orders Lambda: a market's order events (placed, cancelled, refunded) → stock, orders table, bus.

A second consumer of the live-event stream, beside ingest. Its event-source mapping filters on
the event type, so Lambda invokes it only with order events; an order costs a handful of
DynamoDB and EventBridge calls, and on its own consumer that work never holds back the room
metrics of the likes and joins around it (see ``infra_cdk/components/live_ingest.py``).

Kinesis batch with partial failures: a record that fails for a transient reason is reported and
redelivered. Every record is admitted or refused by :func:`livebase.live.admission.admit`, the same
decision ingest makes: a refused record is skipped here (ingest quarantines it with the reason;
once fixed, the replay puts it back on the stream for both), so nothing ingest quarantined is
ever applied. A valid record whose handling raises anything but a transient failure is
quarantined on this function's DLQ (``ProcessingFailed``) and the rest of the batch goes on.
Every step is idempotent on the order id, and the whole acceptance on the event payload too.
What an order event does is ``livebase.commerce.order_intake``; here: parse, call, report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import is_transient, put_all, retry_config
from livebase.commerce.order_intake import OrderIntake
from livebase.live.admission import Refused, admit_record
from livebase.live.events import ORDER_EVENT_TYPES, OrderCancelled, OrderPlaced, Refund
from livebase.batches.quarantine import PROCESSING_FAILED, Quarantine, QuarantinedRecord
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.privacy.masking import masked_logger
from livebase.privacy.refused import RefusedDocuments
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import OrderStore

# Cold start: everything market-specific is read once, from the stack's environment.
resources = MarketResources.from_environment()
market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
session = boto3.Session(region_name=resources.region)
events_client = session.client("events")
refused = RefusedDocuments.of_market(resources, "orders", session.client("s3"))  # the residency guard's keep
intake = OrderIntake(
    inventory=InventoryStore(session.client("dynamodb", config=retry_config()), resources.inventory_table),
    orders=OrderStore(resources.orders_table, resources.region, retention_days=market.retention.orders_days),
    market=market,
    bus_name=resources.event_bus_name,
    put_events=partial(put_all, events_client, source=market, keep=refused.keep),
)
quarantine_store = Quarantine.of_consumer(session, resources, "orders")

logger = masked_logger()  # nothing personal in a log line
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
idempotency = IdempotencyConfig(event_key_jmespath="order_id", expires_after_seconds=7 * 24 * 3600)
persistence = DynamoDBPersistenceLayer(table_name=resources.idempotency_table, boto3_session=session)


@dataclass
class BatchState:
    handled: int = 0
    skipped: int = 0  # not an order event, or one ingest quarantines
    quarantined: list[QuarantinedRecord] = field(default_factory=list)


@idempotent_function(
    data_keyword_argument="order",
    config=idempotency,
    persistence_store=persistence,
    key_prefix="order_placed",
)
def accept_order(order: dict[str, Any]) -> dict[str, str]:
    """Accept an order once per order id, however often delivered (``OrderIntake.accept``)."""
    return intake.accept(OrderPlaced.model_validate(order))


def release_order(event: OrderCancelled | Refund) -> None:
    released = intake.release(event)
    if not released.order_found:
        logger.info("release for an order not seen yet", order_id=event.order_id, outcome=released.outcome)


def handle_record(record: KinesisStreamRecord, state: BatchState) -> None:
    admission = admit_record(record, market)
    if isinstance(admission, Refused):  # ingest quarantines this very record with the reason
        state.skipped += 1
        return
    event = admission.event
    if not isinstance(event, OrderPlaced | OrderCancelled | Refund):  # the mapping's filter passes only
        state.skipped += 1  # ORDER_EVENT_TYPES; tolerate a wider one
        return
    try:
        if isinstance(event, OrderPlaced):
            accept_order(order=event.model_dump(mode="json"))
        else:
            release_order(event)
    except Exception as error:
        if is_transient(error):
            raise  # reported as a batch item failure: Kinesis redelivers from here
        reason = f"unexpected {type(error).__name__} handling {event.type}"  # the message may quote input
        logger.warning("order event quarantined", sequence_number=record.kinesis.sequence_number, reason=reason)
        state.quarantined.append(QuarantinedRecord.from_kinesis(record, reason, PROCESSING_FAILED))
        return
    state.handled += 1


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    state = BatchState()
    response = process_partial_response(
        event=event, record_handler=partial(handle_record, state=state), processor=processor, context=context
    )
    if state.quarantined:
        quarantine_store.put(state.quarantined)
    failures = len(response.get("batchItemFailures", []))
    metrics.add_dimension(name="market", value=resources.market)
    metrics.add_metric(name="OrderEventsHandled", unit=MetricUnit.Count, value=state.handled)
    metrics.add_metric(name="OrderRecordsQuarantined", unit=MetricUnit.Count, value=len(state.quarantined))
    metrics.add_metric(name="OrderRecordsSkipped", unit=MetricUnit.Count, value=state.skipped)
    metrics.add_metric(name="OrderRecordsFailed", unit=MetricUnit.Count, value=failures)
    logger.info(
        "batch done",
        records=len(event.get("Records", [])),
        handled=state.handled,
        skipped=state.skipped,
        quarantined=len(state.quarantined),
        failed=failures,
        order_types=sorted(ORDER_EVENT_TYPES),
    )
    return dict(response)
