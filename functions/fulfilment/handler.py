"""Fulfilment Lambda: the order messages that come back on queues → the order's life.

Two queues feed it (``infra_cdk/components/supply_chain.py``): ``shipment-updates`` (the WMS's steps:
handed, picked, shipped, delivered) and ``order-returns`` (the warehouse's received returns, ops'
cancels, return requests and refunds). Each SQS message is one
:data:`~livebase.commerce.messages.OrderMessage` as JSON, applied by
:class:`~livebase.commerce.order_life.OrderLife` (the orders consumer's path for the stream's cancels,
refunds and returns): decided against the order's stored state, stock following, once however often
delivered. What is not applied:

* a message for an order this market does not know, or one the rules refuse (kept in the order's
  state too), goes to its queue's DLQ with the reason (``Refused``) and is acknowledged;
* a duplicate or stale step (late news) changes nothing: logged and counted, acknowledged;
* a message that does not parse goes to the DLQ with the fields at fault; only transient failures are
  batch item failures (:mod:`livebase.batches.queue`).
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import put_all
from livebase.batches.queue import QueueBatch
from livebase.commerce.fulfilment import OrderMessageBody
from livebase.commerce.order_life import OrderLife, StockRefused
from livebase.commerce.order_state import Outcome
from livebase.lambda_entry import lambda_entry, market_runtime
from livebase.privacy.masking import masked_logger
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import OrderStore
from livebase.stores.room_orders import RoomOrders

runtime = market_runtime()  # cold start: the market's resources and config, once
resources, market, session, dynamodb = runtime.resources, runtime.market, runtime.session, runtime.dynamodb()
life = OrderLife(
    inventory=InventoryStore(dynamodb, resources.inventory_table),
    orders=OrderStore(resources.orders_table, resources.region, retention_days=market.retention.orders_days),
    room_orders=RoomOrders(dynamodb, resources.room_metrics_table),
    market=market,
    bus_name=resources.event_bus_name,  # the life signals for the settlement ledger (issue 33)
    put_events=partial(put_all, session.client("events"), source=market),
)

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
shipment_updates = QueueBatch.of_consumer("fulfilment", OrderMessageBody, session, resources, logger, metrics)
order_returns = QueueBatch.of_consumer("order_returns", OrderMessageBody, session, resources, logger, metrics)


def batch_of(event: dict[str, Any]) -> QueueBatch:
    """The queue this invocation's messages came from (one mapping, one queue per invocation)."""
    records = event.get("Records") or [{}]
    queue_name = str(records[0].get("eventSourceARN", "")).rsplit(":", 1)[-1]
    returns_name = resources.order_returns_queue_url.rstrip("/").rsplit("/", 1)[-1]
    return order_returns if queue_name and queue_name == returns_name else shipment_updates


def applier(batch: QueueBatch) -> Any:
    def apply(body: OrderMessageBody, outcomes: Counter[str]) -> None:
        message = body.root
        try:
            applied = life.apply(message)
        except StockRefused as refused:
            outcomes[f"refused:{message.type}"] += 1
            batch.refuse(str(refused))
            return
        outcomes[f"{applied.outcome}:{message.type}"] += 1
        if applied.kept:
            batch.refuse(applied.reason)
        elif applied.outcome != Outcome.APPLIED.value:
            logger.info(
                "message not applied", order_id=message.order_id, outcome=applied.outcome, reason=applied.reason
            )

    return apply


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    batch = batch_of(event)
    response, outcomes = batch.run(event, context, applier(batch), "an order message")
    applied = sum(n for key, n in outcomes.items() if key.startswith(f"{Outcome.APPLIED.value}:"))
    metrics.add_metric(name=f"{batch.metric_prefix}Applied", unit=MetricUnit.Count, value=applied)
    return response
