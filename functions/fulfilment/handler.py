"""Fulfilment Lambda: the WMS's shipment updates from the ``shipment-updates`` queue → orders.

Each SQS message is one :class:`~livebase.commerce.fulfilment.ShipmentUpdate` as JSON (the
contract back from the warehouse: an order picked, or shipped). ``apply_update`` moves the order
forward once; a redelivered or late update changes nothing and is acknowledged (logged with
why). A message that does not parse goes to the queue's DLQ with the reason and is acknowledged;
only transient failures are batch item failures (:mod:`livebase.queue_batches`).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import boto3
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from livebase.commerce.fulfilment import ShipmentUpdate, UpdateOutcome, apply_update
from livebase.live.quarantine import QueueQuarantine
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.privacy.masking import masked_logger
from livebase.queue_batches import QuarantiningSqsProcessor, QueueBatch
from livebase.stores.orders import OrderStore

# Cold start: everything market-specific is read once, from the stack's environment.
resources = MarketResources.from_environment()
market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
session = boto3.Session(region_name=resources.region)
orders = OrderStore(resources.orders_table, resources.region)
quarantine = QueueQuarantine(session.client("sqs"), queue_url=resources.shipment_updates_dlq_url, consumer="fulfilment")

logger = masked_logger()  # nothing personal in a log line
tracer = Tracer()
metrics = Metrics()


class ShipmentUpdateMessage(SqsRecordModel):
    body: Json[ShipmentUpdate]  # type: ignore[assignment]


processor = QuarantiningSqsProcessor(model=ShipmentUpdateMessage)
batches = QueueBatch(processor, quarantine, logger, metrics, market.id, "ShipmentUpdates")


def apply(record: ShipmentUpdateMessage, outcomes: Counter[str]) -> None:
    update = record.body
    result = apply_update(orders, update)
    outcomes[f"{result.outcome.value}:{update.status}"] += 1
    if result.outcome is UpdateOutcome.IGNORED:
        logger.info("update ignored", update_id=update.update_id, reason=result.reason)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response, outcomes = batches.run(event, context, apply, "a shipment update")
    applied = sum(n for key, n in outcomes.items() if key.startswith(UpdateOutcome.APPLIED.value))
    metrics.add_metric(name="ShipmentUpdatesApplied", unit=MetricUnit.Count, value=applied)
    return response
