"""Fulfilment Lambda: the WMS's shipment updates from the ``shipment-updates`` queue → orders.

Each SQS message is one :class:`~livebase.commerce.fulfilment.ShipmentUpdate` as JSON (the
contract back from the warehouse: an order picked, or shipped). ``apply_update`` moves the order
forward once; a redelivered or late update changes nothing and is acknowledged (logged with
why). A message that does not parse goes to the queue's DLQ with the reason and is acknowledged;
only transient failures are batch item failures (:mod:`livebase.batches.queue`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.batches.queue import QueueBatch
from livebase.commerce.fulfilment import ShipmentUpdate, UpdateOutcome, apply_update
from livebase.lambda_entry import lambda_entry
from livebase.markets.resources import MarketResources
from livebase.privacy.masking import masked_logger
from livebase.stores.orders import OrderStore

# Cold start: everything market-specific is read once, from the stack's environment.
resources = MarketResources.from_environment()
session = boto3.Session(region_name=resources.region)
orders = OrderStore(resources.orders_table, resources.region)

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
batches = QueueBatch.of_consumer("fulfilment", ShipmentUpdate, session, resources, logger, metrics)


def apply(update: ShipmentUpdate, outcomes: Counter[str]) -> None:
    result = apply_update(orders, update)
    outcomes[f"{result.outcome.value}:{update.status}"] += 1
    if result.outcome is UpdateOutcome.IGNORED:
        logger.info("update ignored", update_id=update.update_id, reason=result.reason)


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response, outcomes = batches.run(event, context, apply, "a shipment update")
    applied = sum(n for key, n in outcomes.items() if key.startswith(UpdateOutcome.APPLIED.value))
    metrics.add_metric(name="ShipmentUpdatesApplied", unit=MetricUnit.Count, value=applied)
    return response
