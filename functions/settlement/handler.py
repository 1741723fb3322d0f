"""Settlement Lambda: the order signals on the market bus → the market's settlement ledger (issue 33).

A bus rule (``infra_cdk/components/settlement.py``) sends ``OrderPlaced`` / ``OrderRejected``, the
order's life signals (``OrderShipped``, ``OrderReturned``, ``OrderRefunded``) and ``GoodsReceived`` to
the ``settlement`` queue; each message is the EventBridge event as delivered.
:class:`~livebase.settlement.service.Settlement` reads the order (or the PO) from its table and posts
the transactions its record calls for, each once (``livebase.stores.settlement``), with the market's
fee schedule (``SETTLEMENT_FEES``, set by the stack from ``config/settlement/<market>.yaml``). An event
that is no such signal, of another market or of an order or PO the market does not hold goes to the
queue's DLQ with the reason and is acknowledged; only transient failures (a contended ledger head,
throttling) are batch item failures (:mod:`livebase.batches.queue`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import RootModel

from livebase.batches.quarantine import QueueQuarantine
from livebase.batches.queue import QuarantiningSqsProcessor, QueueBatch, message_model
from livebase.lambda_entry import lambda_entry, market_runtime
from livebase.privacy.masking import masked_logger
from livebase.settlement.fees import fees_from_environment
from livebase.settlement.service import Settlement, SettlementRefused
from livebase.signals import SignalError
from livebase.stores.orders import OrderStore
from livebase.stores.purchase_orders import PurchaseOrderStore
from livebase.stores.settlement import SettlementStore

runtime = market_runtime()  # cold start: the market's resources and config, once
resources, market, session, dynamodb = runtime.resources, runtime.market, runtime.session, runtime.dynamodb()
settlement = Settlement(
    ledger=SettlementStore(dynamodb, resources.settlement_ledger_table),
    orders=OrderStore(resources.orders_table, resources.region, retention_days=market.retention.orders_days),
    fees=fees_from_environment(),
    purchase_orders=PurchaseOrderStore(dynamodb, resources.purchase_orders_table),  # goods receipts, at cost
)

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()


class BusEvent(RootModel[dict[str, Any]]):
    """An EventBridge event as a rule delivers it to a queue (checked by ``livebase.signals.parse_event``)."""


quarantine = QueueQuarantine(session.client("sqs"), queue_url=resources.settlement_dlq_url, consumer="settlement")
batches = QueueBatch(QuarantiningSqsProcessor(model=message_model(BusEvent)), quarantine, logger, metrics, "Settlement")


def settle(body: BusEvent, outcomes: Counter[str]) -> None:
    try:
        settled = settlement.settle(body.root)
    except (SignalError, SettlementRefused) as refused:
        outcomes["refused"] += 1
        batches.refuse(str(refused))
        return
    outcomes["posted" if settled.posted else "held already"] += 1
    outcomes["transactions"] += len(settled.posted)
    logger.info("settled", order_id=settled.order_id, event=settled.event, posted=list(settled.posted))


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response, outcomes = batches.run(event, context, settle, "an order signal")
    metrics.add_metric(name="TransactionsPosted", unit=MetricUnit.Count, value=outcomes["transactions"])
    return response
