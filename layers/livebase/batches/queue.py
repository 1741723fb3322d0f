"""SQS batches for queue consumers: partial failures for transient errors only, the rest quarantined.

Lambda's SQS event source deletes what a batch does not report as failed; a reported message
comes back after the visibility timeout and, after the queue's ``maxReceiveCount``, SQS moves it
to the DLQ. Retrying only helps a failure a later delivery may not meet (``is_transient``), so:

* a message the parser model refuses (not JSON, not the contract) is quarantined with
  :func:`livebase.batches.reasons.describe_error` as the reason (field paths and error kinds,
  never input values) and acknowledged;
* the record handler quarantines what the domain refuses (``QueueBatch.refuse(reason)``) and
  anything else it raised that is not transient (``PROCESSING_FAILED``, the error's type only);
* a transient error is a batch item failure, redelivered.

Powertools' ``BatchProcessor`` with a model (``SqsRecordModel`` whose ``body`` is ``Json[...]``)
reports a refused model as a failure; :class:`QuarantiningSqsProcessor` sets it aside instead.
:class:`QueueBatch` is the rest every SQS handler shares: the message model of its body, run the
batch, send what was set aside to the DLQ, count and log it.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.base import SuccessResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, Json, ValidationError, create_model

from livebase.aws import is_transient
from livebase.batches.quarantine import (
    PROCESSING_FAILED,
    REFUSED,
    VALIDATION_FAILED,
    QuarantinedMessage,
    QueueQuarantine,
)
from livebase.batches.reasons import describe_error
from livebase.markets.resources import MarketResources

# Each queue consumer: its queue's DLQ (a MarketResources field) and the prefix of its metrics.
QUEUE_CONSUMERS: dict[str, tuple[str, str]] = {
    "fulfilment": ("shipment_updates_dlq_url", "ShipmentUpdates"),
    "order_returns": ("order_returns_dlq_url", "OrderReturns"),  # the fulfilment function's second queue
    "receiving": ("goods_receipts_dlq_url", "Receipts"),
    "passport_intake": ("passport_intake_dlq_url", "SupplyEvents"),
}


class QuarantiningSqsProcessor(BatchProcessor):
    """``BatchProcessor(event_type=EventType.SQS, model=model)`` that quarantines, see the module docstring.

    ``quarantined`` holds the current batch's messages set aside (cleared when a batch starts);
    the handler sends them (``QueueQuarantine.put``) once the batch is done.
    """

    def __init__(self, model: type[SqsRecordModel]) -> None:
        # A batch whose every message failed transiently is reported as such, not raised: same redelivery.
        super().__init__(event_type=EventType.SQS, model=model, raise_on_entire_batch_failure=False)
        self.quarantined: list[QuarantinedMessage] = []
        self._current: dict[str, Any] = {}

    def _prepare(self) -> None:
        super()._prepare()
        self.quarantined = []

    def _process_record(self, record: dict[str, Any]) -> Any:
        self._current = record
        return super()._process_record(record)

    def _register_model_validation_error_record(self, record: dict[str, Any]) -> SuccessResponse:
        error = sys.exc_info()[1]
        reason = describe_error(error) if isinstance(error, ValidationError) else "message does not parse"
        self._set_aside(record, reason, VALIDATION_FAILED)
        return self.success_handler(record=record, result=None)

    def quarantine(self, reason: str, condition: str) -> None:
        """Set the message being handled aside (from the record handler): acknowledged, on the DLQ."""
        self._set_aside(self._current, reason, condition)

    def _set_aside(self, record: dict[str, Any], reason: str, condition: str) -> None:
        message = QuarantinedMessage(str(record.get("messageId", "")), str(record.get("body", "")), reason, condition)
        self.quarantined.append(message)


def guarded(processor: QuarantiningSqsProcessor, handle: Callable[[Any], None], what: str) -> Callable[[Any], None]:
    """``handle`` as a record handler: transient errors raise (batch item failure), others quarantine."""

    def record_handler(record: Any) -> None:
        try:
            handle(record)
        except Exception as error:
            if is_transient(error):
                raise
            processor.quarantine(f"unexpected {type(error).__name__} handling {what}", PROCESSING_FAILED)

    return record_handler


def message_model(body: type[BaseModel]) -> type[SqsRecordModel]:
    """``SqsRecordModel`` whose ``body`` is ``Json[body]``: the contract of one queue's messages."""
    body_field: Any = Json[body]  # type: ignore[misc,valid-type]  # a model chosen at run time
    return create_model(f"{body.__name__}Message", __base__=SqsRecordModel, body=(body_field, ...))


@dataclass(frozen=True)
class QueueBatch:
    """One SQS consumer's batch handling: the processor, its DLQ, the handler's logger and metrics.

    ``metric_prefix`` names the metrics (``<prefix>Quarantined``, ``<prefix>Failed``); the handler
    adds its own count of what it applied from the returned outcomes. The ``market`` dimension is
    the handler's (``livebase.lambda_entry``).
    """

    processor: QuarantiningSqsProcessor
    quarantine: QueueQuarantine
    logger: Any  # powertools Logger (the masked one: livebase.privacy.masking)
    metrics: Any  # powertools Metrics
    metric_prefix: str

    @classmethod
    def of_consumer(
        cls, consumer: str, body: type[BaseModel], session: Any, resources: MarketResources, logger: Any, metrics: Any
    ) -> QueueBatch:
        """The batch of ``consumer`` (:data:`QUEUE_CONSUMERS`), whose messages are ``body`` as JSON."""
        dlq_field, metric_prefix = QUEUE_CONSUMERS[consumer]
        quarantine = QueueQuarantine(session.client("sqs"), queue_url=getattr(resources, dlq_field), consumer=consumer)
        return cls(QuarantiningSqsProcessor(model=message_model(body)), quarantine, logger, metrics, metric_prefix)

    def refuse(self, reason: str) -> None:
        """From the record handler: the domain refuses the message being handled (to the DLQ, ``Refused``)."""
        self.processor.quarantine(reason, REFUSED)

    def run(
        self, event: dict[str, Any], context: Any, handle: Callable[..., None], what: str
    ) -> tuple[dict[str, Any], Counter[str]]:
        """``handle(body, outcomes=...)`` per message (see :func:`guarded`); (response, outcomes)."""
        outcomes: Counter[str] = Counter()
        record_handler = guarded(self.processor, lambda record: handle(record.body, outcomes=outcomes), what)
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=self.processor, context=context
        )
        quarantined = len(self.processor.quarantined)
        self.quarantine.put(self.processor.quarantined)
        failures = len(response.get("batchItemFailures", []))
        self.metrics.add_metric(name=f"{self.metric_prefix}Quarantined", unit=MetricUnit.Count, value=quarantined)
        self.metrics.add_metric(name=f"{self.metric_prefix}Failed", unit=MetricUnit.Count, value=failures)
        self.logger.info(
            "batch done", messages=len(event.get("Records", [])), outcomes=dict(outcomes),
            quarantined=quarantined, failed=failures,
        )  # fmt: skip
        return dict(response), outcomes
