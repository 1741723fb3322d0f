"""Orders Lambda: a market's order events (placed, cancelled, refunded, return requested) → stock, orders, bus.

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
order's content too (its id with its lines, viewer, room, session and currency: the same id with
other content is decided again, and refused as a conflict). What an order event does is
``livebase.commerce.order_intake`` (placed) and ``livebase.commerce.order_life`` (cancel, refund,
return request: decided against the order's stored state); here: call, report. A cancel, refund or
return of an order this market does not know (yet) is kept on this function's DLQ (``Refused``), to
be replayed once its order is in.

Risk (issue 32): every order is scored (``livebase.risk.OrderRisk``: velocity per viewer, recent cancels
and refunds, from this container's view of the shard's viewers; bulk rings of fresh accounts, which span
shards, from the window every container shares in the room-metrics table, ``livebase.risk.ring``); one at
the hold line is reserved and held for review instead of served (``OrderHeld`` on the bus, the entry in
the room-metrics table). Cancels and refund requests feed the scores of the viewer's next orders.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
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
from livebase.batches.quarantine import REFUSED, Quarantine
from livebase.commerce.messages import cancel_from_live, refund_from_live, return_from_live
from livebase.commerce.order_intake import OrderIntake
from livebase.commerce.order_life import UNKNOWN, OrderLife
from livebase.commerce.price_list import PriceList, catalogue_from_lake
from livebase.lambda_entry import lambda_entry
from livebase.live.admission import admit_record
from livebase.live.events import AnyLiveEvent, OrderCancelled, OrderPlaced, OrderReturnRequested, Refund
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.privacy.masking import masked_logger
from livebase.privacy.refused import RefusedDocuments
from livebase.risk import OrderRisk
from livebase.risk.holds import HeldOrders
from livebase.risk.ring import SharedRingWindow
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import OrderStore
from livebase.stores.room_orders import RoomOrders
from livebase.stores.session_prices import SessionPriceStore
from livebase.tax import market_tax_table

# Cold start: everything market-specific is read once, from the stack's environment.
resources = MarketResources.from_environment()
market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
session = boto3.Session(region_name=resources.region)
refused = RefusedDocuments.of_market(resources, "orders", session.client("s3"))  # the residency guard's keep
dynamodb = session.client("dynamodb", config=retry_config())
inventory = InventoryStore(dynamodb, resources.inventory_table)
orders = OrderStore(resources.orders_table, resources.region, retention_days=market.retention.orders_days)
room_orders = RoomOrders(dynamodb, resources.room_metrics_table)
prices = PriceList(  # the catalogue's list prices and the sessions' prices, cached in this container
    market.currency, catalogue_from_lake(session.client("s3"), resources.data_lake_bucket),
    SessionPriceStore(dynamodb, resources.inventory_table).for_sku,
    tax=market_tax_table(market.id),  # tax and duty per destination (issue 33), validated at cold start
)  # fmt: skip
room_table = session.resource("dynamodb").Table(resources.room_metrics_table)  # holds, the shared ring window
intake = OrderIntake(
    inventory=inventory, orders=orders, room_orders=room_orders, prices=prices, market=market,
    bus_name=resources.event_bus_name,
    put_events=partial(put_all, session.client("events"), source=market, keep=refused.keep),
    risk=OrderRisk(ring=SharedRingWindow(room_table)), holds=HeldOrders(room_table, market.id),
)  # fmt: skip
life = OrderLife(
    inventory=inventory, orders=orders, room_orders=room_orders, market=market,
    bus_name=resources.event_bus_name, put_events=intake.put_events,  # the life signals (settlement, issue 33)
)  # fmt: skip

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
# Keyed on the order's content, not its id alone: a second order under a known id runs again, to be refused.
idempotency = IdempotencyConfig(
    event_key_jmespath="[order_id, viewer_id, room_id, session_id, currency, lines]",
    expires_after_seconds=7 * 24 * 3600,
)
persistence = DynamoDBPersistenceLayer(table_name=resources.idempotency_table, boto3_session=session)
batches: KinesisBatch[AnyLiveEvent] = KinesisBatch(
    lambda record: admit_record(record, market), Quarantine.of_consumer(session, resources, "orders"), logger,
    metrics, metric_prefix="OrderRecords", quarantine_refused=False,  # ingest quarantines the refused ones
    outcome_metrics={"handled": "OrderEventsHandled", "skipped": "OrderRecordsSkipped",
                     "refused": "OrderEventsRefused"},
)  # fmt: skip


@idempotent_function(data_keyword_argument="order", config=idempotency, persistence_store=persistence,
                     key_prefix="order_placed")  # fmt: skip
def accept_order(order: OrderPlaced, received_at: datetime) -> dict[str, str]:
    """Accept an order once per content, however often delivered (``OrderIntake.accept``)."""
    return intake.accept(order, received_at)


def handle(record: KinesisStreamRecord, event: AnyLiveEvent, run: KinesisRun[AnyLiveEvent]) -> None:
    if isinstance(event, OrderPlaced):
        received_at = datetime.fromtimestamp(record.kinesis.approximate_arrival_timestamp, UTC)
        accepted = accept_order(order=event, received_at=received_at)
        if accepted.get("reason"):  # a known order id with other content
            logger.info("order refused", order_id=event.order_id, reason=accepted["reason"])
            run.outcomes["refused"] += 1
            return
    elif isinstance(event, OrderCancelled | Refund | OrderReturnRequested):
        if intake.risk is not None and isinstance(event, OrderCancelled | Refund):
            intake.risk.observe(event)  # weighs on the viewer's next orders
        message = (
            cancel_from_live(event) if isinstance(event, OrderCancelled)
            else refund_from_live(event) if isinstance(event, Refund) else return_from_live(event)
        )  # fmt: skip
        applied = life.apply(message)
        if applied.outcome == UNKNOWN:  # kept for the replay once its order is in
            run.quarantine(record, applied.reason, REFUSED)
            return
        if applied.kept:  # refused by the rules: the order's state keeps it with its reason
            logger.info("order message refused", order_id=event.order_id, type=event.type, reason=applied.reason)
            run.outcomes["refused"] += 1
            return
    else:  # the mapping's filter passes only ORDER_EVENT_TYPES; tolerate a wider one
        run.outcomes["skipped"] += 1
        return
    run.outcomes["handled"] += 1


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return batches.run(event, context, handle, what=lambda admitted: admitted.type).response
