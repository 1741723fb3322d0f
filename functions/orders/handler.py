"""Orders Lambda: a market's order events (placed, cancelled, refunded) → stock, orders table, bus.

A second consumer of the live-event stream, beside ingest. Its event-source mapping filters on
the event type, so Lambda invokes it only with order events; an order costs a handful of
DynamoDB and EventBridge calls, and on its own consumer that work never holds back the room
metrics of the likes and joins around it (see ``infra_cdk/components/live_ingest.py``).

Kinesis batch with partial failures (:class:`livebase.batches.kinesis.KinesisBatch`): a record that
fails for a transient reason is reported and redelivered. Every record is admitted or refused by
:func:`livebase.live.admission.admit`, the same decision ingest makes: a refused record is skipped
here (ingest quarantines it with the reason; once fixed, the replay puts it back on the stream for
both), so nothing ingest quarantined is ever applied. A valid record whose handling raises anything
but a transient failure is quarantined on this function's DLQ (``ProcessingFailed``) and the rest
of the batch goes on. Every step is idempotent on the order id, and the whole acceptance on the
event payload too. What an order event does is ``livebase.commerce.order_intake``; here: call, report.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import put_all, retry_config
from livebase.batches.kinesis import KinesisBatch, KinesisRun
from livebase.batches.quarantine import Quarantine
from livebase.commerce.order_intake import OrderIntake
from livebase.lambda_entry import lambda_entry
from livebase.live.admission import admit_record
from livebase.live.events import AnyLiveEvent, OrderCancelled, OrderPlaced, Refund
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
refused = RefusedDocuments.of_market(resources, "orders", session.client("s3"))  # the residency guard's keep
intake = OrderIntake(
    inventory=InventoryStore(session.client("dynamodb", config=retry_config()), resources.inventory_table),
    orders=OrderStore(resources.orders_table, resources.region, retention_days=market.retention.orders_days),
    market=market,
    bus_name=resources.event_bus_name,
    put_events=partial(put_all, session.client("events"), source=market, keep=refused.keep),
)

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
idempotency = IdempotencyConfig(event_key_jmespath="order_id", expires_after_seconds=7 * 24 * 3600)
persistence = DynamoDBPersistenceLayer(table_name=resources.idempotency_table, boto3_session=session)
batches: KinesisBatch[AnyLiveEvent] = KinesisBatch(
    lambda record: admit_record(record, market), Quarantine.of_consumer(session, resources, "orders"), logger,
    metrics, metric_prefix="OrderRecords", quarantine_refused=False,  # ingest quarantines the refused ones
    outcome_metrics={"handled": "OrderEventsHandled", "skipped": "OrderRecordsSkipped"},
)  # fmt: skip


@idempotent_function(data_keyword_argument="order", config=idempotency, persistence_store=persistence,
                     key_prefix="order_placed")  # fmt: skip
def accept_order(order: OrderPlaced) -> dict[str, str]:
    """Accept an order once per order id, however often delivered (``OrderIntake.accept``); the key
    is the model's ``order_id`` as before, so idempotency records written earlier still match."""
    return intake.accept(order)


def handle(record: KinesisStreamRecord, event: AnyLiveEvent, run: KinesisRun[AnyLiveEvent]) -> None:
    if isinstance(event, OrderPlaced):
        accept_order(order=event)
    elif isinstance(event, OrderCancelled | Refund):
        released = intake.release(event)
        if not released.order_found:
            logger.info("release for an order not seen yet", order_id=event.order_id, outcome=released.outcome)
    else:  # the mapping's filter passes only ORDER_EVENT_TYPES; tolerate a wider one
        run.outcomes["skipped"] += 1
        return
    run.outcomes["handled"] += 1


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return batches.run(event, context, handle, what=lambda admitted: admitted.type).response
