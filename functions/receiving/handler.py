"""Receiving Lambda: goods receipts from the market's ``goods-receipts`` queue → POs, stock, bus.

Each SQS message is one :class:`~livebase.replenishment.receiving.GoodsReceipt` as JSON, sent
by the supplier or the WMS when a delivery is counted in. ``Receiving.receive`` books it against
its purchase order (once per receipt id), raises stock, closes the PO when all is in and puts the
stock signals of what it touched on the market bus. A receipt that does not parse, or one the PO
refuses (unknown PO, a SKU it does not order, more than is outstanding), goes to the queue's DLQ
with the reason and is acknowledged; only transient failures are batch item failures
(:mod:`livebase.batches.queue`).
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
from livebase.lambda_entry import lambda_entry, market_runtime
from livebase.privacy.masking import masked_logger
from livebase.replenishment.receiving import GoodsReceipt, ReceiptStatus, Receiving, queue_cancels
from livebase.stores.inventory import InventoryStore
from livebase.stores.purchase_orders import PurchaseOrderStore

runtime = market_runtime()  # cold start: the market's resources and config, once
resources, market, session, dynamodb = runtime.resources, runtime.market, runtime.session, runtime.dynamodb()
receiving = Receiving(
    purchase_orders=PurchaseOrderStore(dynamodb, resources.purchase_orders_table),
    inventory=InventoryStore(dynamodb, resources.inventory_table),
    market=market,
    bus_name=resources.event_bus_name,
    # the guard refuses an entry carrying personal data; the message that produced it goes to the DLQ
    put_events=partial(put_all, session.client("events"), source=market),
    # a PO closed short cancels the unserved presold orders through the order lifecycle (its returns queue)
    cancel=queue_cancels(session.client("sqs"), resources.order_returns_queue_url),
)

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
batches = QueueBatch.of_consumer("receiving", GoodsReceipt, session, resources, logger, metrics)


def book(receipt: GoodsReceipt, outcomes: Counter[str]) -> None:
    outcome = receiving.receive(receipt)
    outcomes[outcome.status.value] += 1
    outcomes["closed"] += outcome.po_closed
    if outcome.status is ReceiptStatus.REFUSED:
        logger.warning("receipt refused", receipt_id=receipt.receipt_id, reason=outcome.reason)
        batches.refuse(outcome.reason)
    else:
        logger.info("receipt", receipt_id=receipt.receipt_id, po_id=receipt.po_id, outcome=outcome.status.value)


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response, outcomes = batches.run(event, context, book, "a goods receipt")
    metrics.add_metric(name="ReceiptsBooked", unit=MetricUnit.Count, value=outcomes[ReceiptStatus.BOOKED.value])
    return response
