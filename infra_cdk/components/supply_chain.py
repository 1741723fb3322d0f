"""The supply chain's way back in: goods receipts and shipment updates, each a queue and its consumer.

* ``goods-receipts``: a supplier or the WMS sends one ``GoodsReceipt`` (JSON, contract in
  ``livebase.replenishment.receiving``) per delivery counted in; the ``receiving`` function books
  it against its purchase order, raises stock and announces the stock signals on the bus.
* ``shipment-updates``: the WMS sends one ``ShipmentUpdate`` (``livebase.commerce.fulfilment``)
  per order picked or shipped; the ``fulfilment`` function moves the order forward.

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
    """``goods-receipts`` → ``receiving``, ``shipment-updates`` → ``fulfilment`` (module docstring)."""

    def __init__(self, scope: Construct, construct_id: str, *, kit: FunctionKit) -> None:
        super().__init__(scope, construct_id)
        self.receiving = QueueConsumer(self, "GoodsReceipts", kit=kit, function="receiving")
        self.fulfilment = QueueConsumer(self, "ShipmentUpdates", kit=kit, function="fulfilment")

    @property
    def consumers(self) -> tuple[QueueConsumer, QueueConsumer]:
        return self.receiving, self.fulfilment

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        return {"GoodsReceiptsDlq": self.receiving.dlq, "ShipmentUpdatesDlq": self.fulfilment.dlq}
