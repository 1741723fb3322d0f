"""The supply chain's way back in: goods receipts and shipment updates, each a queue and its consumer.

* ``goods-receipts``: a supplier or the WMS sends one ``GoodsReceipt`` (JSON, contract in
  ``livebase.replenishment.receiving``) per delivery counted in; the ``receiving`` function books
  it against its purchase order, raises stock and announces the stock signals on the bus.
* ``shipment-updates``: the WMS sends one ``shipment_update`` (``livebase.commerce.messages.WmsUpdate``)
  per step of an order (handed, picked, shipped, delivered); the ``fulfilment`` function moves the
  order forward and the stock with it (the shipment consumes the reservation).
* ``order-returns`` (issue 28): the warehouse's received returns (sellable / written off per line) and
  ops' cancels, return requests and refunds (``./livebase order``), consumed by the same
  ``fulfilment`` function through a second event-source mapping.

Each queue is KMS-encrypted with the market key, refuses plain HTTP and has its own DLQ: SQS
moves a message there after ``MAX_RECEIVE_COUNT`` deliveries that failed (transient failures
only are reported), and the consumer sends what it refuses there itself, with the reason, and
acknowledges it (``livebase.batches.queue``). The functions are built like the stream consumers
(:func:`infra_cdk.components.functions.market_function`); the stack grants them their tables.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra_cdk.components.functions import FunctionKit
from infra_cdk.components.messaging import queue_with_dlq

MAX_RECEIVE_COUNT = 5  # deliveries before SQS dead-letters a message that keeps failing transiently
FUNCTION_TIMEOUT = Duration.seconds(60)
VISIBILITY_TIMEOUT = Duration.seconds(6 * 60)  # AWS's advice for an SQS source: six times the timeout
BATCH_SIZE = 10


class QueueConsumer(Construct):
    """A queue (with its DLQ) and the function its event-source mapping feeds, partial failures on."""

    def __init__(self, scope: Construct, construct_id: str, *, kit: FunctionKit, function: str) -> None:
        super().__init__(scope, construct_id)
        self.queue, self.dlq = queue_with_dlq(
            self, key=kit.key, visibility_timeout=VISIBILITY_TIMEOUT, max_receive_count=MAX_RECEIVE_COUNT
        )
        parts = kit.build(self, function, timeout=FUNCTION_TIMEOUT)
        self.function, self.role, self.log_group = parts.function, parts.role, parts.log_group
        self.function.add_event_source(
            sources.SqsEventSource(self.queue, batch_size=BATCH_SIZE, report_batch_item_failures=True)
        )
        self.dlq.grant_send_messages(self.function)  # refused messages, with their reasons


class SupplyChain(Construct):
    """``goods-receipts`` → ``receiving``; ``shipment-updates`` and ``order-returns`` → ``fulfilment``
    (module docstring)."""

    def __init__(self, scope: Construct, construct_id: str, *, kit: FunctionKit) -> None:
        super().__init__(scope, construct_id)
        self.receiving = QueueConsumer(self, "GoodsReceipts", kit=kit, function="receiving")
        self.fulfilment = QueueConsumer(self, "ShipmentUpdates", kit=kit, function="fulfilment")
        returns = Construct(self, "OrderReturns")
        self.returns_queue, self.returns_dlq = queue_with_dlq(
            returns, key=kit.key, visibility_timeout=VISIBILITY_TIMEOUT, max_receive_count=MAX_RECEIVE_COUNT
        )
        self.fulfilment.function.add_event_source(
            sources.SqsEventSource(self.returns_queue, batch_size=BATCH_SIZE, report_batch_item_failures=True)
        )
        self.returns_dlq.grant_send_messages(self.fulfilment.function)  # refused messages, with their reasons
        self.returns_queue.grant_send_messages(self.receiving.function)  # Livebase's cancels of short presales

    @property
    def consumers(self) -> tuple[QueueConsumer, QueueConsumer]:
        return self.receiving, self.fulfilment

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        return {
            "GoodsReceiptsDlq": self.receiving.dlq,
            "ShipmentUpdatesDlq": self.fulfilment.dlq,
            "OrderReturnsDlq": self.returns_dlq,
        }

    @property
    def names(self) -> dict[str, str]:
        """The supply chain's stack outputs (``livebase.markets.resources.OUTPUTS`` fields)."""
        return {
            "goods_receipts_queue_url": self.receiving.queue.queue_url,
            "goods_receipts_dlq_url": self.receiving.dlq.queue_url,
            "shipment_updates_queue_url": self.fulfilment.queue.queue_url,
            "shipment_updates_dlq_url": self.fulfilment.dlq.queue_url,
            "order_returns_queue_url": self.returns_queue.queue_url,
            "order_returns_dlq_url": self.returns_dlq.queue_url,
        }
