"""The local event-source runner for SQS: applies a queue's event source mapping the way Lambda does.

The mapping is not deployed into moto (see :mod:`livebase_local.aws.template_transform`); this
poller receives from the queue and invokes the handler in-process with Lambda's SQS event shape
(``Records[].messageId, receiptHandle, body, attributes, messageAttributes, md5OfBody,
eventSource, eventSourceARN, awsRegion``), honouring the mapping's settings:

* ``batch_size``: at most that many messages per invocation (received ten at a time, SQS's limit);
* a ``batchItemFailures`` response (with ``ReportBatchItemFailures``): every other message is
  deleted, the named ones are left on the queue; an identifier not in the batch fails the whole
  batch, as in Lambda; without ``ReportBatchItemFailures`` the response is ignored;
* a raised exception: nothing is deleted;
* what is left comes back after the queue's visibility timeout, and once a message has been
  received ``maxReceiveCount`` times SQS moves it to the queue's DLQ: moto implements the
  redrive policy (on ``ReceiveMessage``), so the poller does not.

Nothing is lost: every message received is deleted after its handler succeeded, or stays on the
queue (then on its DLQ). ``Counters.seen`` counts deliveries: ``seen == succeeded + failed``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import boto3

from livebase_local.aws.mappings import SqsSourceConfig
from livebase_local.runner.lambda_shapes import LambdaContext, sqs_event
from livebase_local.runner.sources import IDLE_POLL_SECONDS, Counters, DrainTimeout

Handler = Callable[[dict[str, Any], Any], Any]
_RECEIVE_LIMIT = 10  # ReceiveMessage's maximum


class SqsEventSource:
    """One SQS mapping (queue -> handler) of one market; see the module docstring."""

    def __init__(
        self,
        config: SqsSourceConfig,
        handler: Handler,
        *,
        sqs: Any | None = None,
        context_factory: Callable[[SqsSourceConfig], Any] = LambdaContext,
    ) -> None:
        self.config = config
        self.handler = handler
        self.sqs = sqs or boto3.client("sqs", region_name=config.region)
        self.context_factory = context_factory
        self.counters = Counters()
        self.last_errors: deque[str] = deque(maxlen=20)
        self._empty = False  # the last receive found nothing
        self._lock = threading.Lock()

    def _receive(self) -> list[Mapping[str, Any]]:
        messages: list[Mapping[str, Any]] = []
        while len(messages) < self.config.batch_size:
            reply = self.sqs.receive_message(
                QueueUrl=self.config.queue_url,
                MaxNumberOfMessages=min(_RECEIVE_LIMIT, self.config.batch_size - len(messages)),
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            batch = reply.get("Messages", [])
            messages += batch
            if len(batch) < _RECEIVE_LIMIT:
                break
        return messages

    def _failed_ids(self, messages: Sequence[Mapping[str, Any]]) -> set[str]:
        """Invoke once; the message ids to leave on the queue (all of them when the handler raised)."""
        every = {str(m["MessageId"]) for m in messages}
        with self._lock:
            self.counters.invocations += 1
        try:
            event = sqs_event(messages, self.config.queue_arn, self.config.region)
            response = self.handler(event, self.context_factory(self.config))
        except Exception as error:  # a function error: every message comes back
            with self._lock:
                self.counters.handler_errors += 1
            self.last_errors.append(f"{self.config.function_name}: {type(error).__name__}: {error}")
            return every
        failures = response.get("batchItemFailures") if isinstance(response, Mapping) else None
        if not self.config.report_batch_item_failures or not failures:
            return set()
        with self._lock:
            self.counters.partial_failures += 1
        identifiers = {f.get("itemIdentifier") if isinstance(f, Mapping) else None for f in failures}
        if not identifiers <= every:
            self.last_errors.append(f"{self.config.function_name}: batchItemFailures names messages not in the batch")
            return every
        self.last_errors.append(f"{self.config.function_name}: {len(identifiers)} message(s) left for redelivery")
        return {str(i) for i in identifiers}

    def poll_once(self) -> int:
        """Receive one batch, invoke, delete what succeeded; returns messages received."""
        if not self.config.enabled:
            return 0
        messages = self._receive()
        self._empty = not messages
        if not messages:
            return 0
        failed = self._failed_ids(messages)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), _RECEIVE_LIMIT):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
            ]
            response = self.sqs.delete_message_batch(QueueUrl=self.config.queue_url, Entries=entries)
            if response.get("Failed"):  # they come back and are handled again (handlers are idempotent)
                self.last_errors.append(f"{self.config.function_name}: {len(response['Failed'])} deletes failed")
        with self._lock:
            self.counters.seen += len(messages)
            self.counters.succeeded += len(done)
            self.counters.failed += len(messages) - len(done)
        return len(messages)

    @property
    def caught_up(self) -> bool:
        """The last receive found nothing visible (messages left for redelivery may still be in flight)."""
        return self._empty

    def warm(self) -> None:
        """Nothing to list: the handler was loaded when the source was made."""

    def drain(self, timeout: float = 60.0) -> Counters:
        deadline = time.monotonic() + timeout
        while self.poll_once() or not self.caught_up:
            if time.monotonic() > deadline:
                raise DrainTimeout(f"{self.config.function_name}: queue not empty after {timeout} s")
        return self.counters

    def run_forever(self, stop_event: threading.Event, idle_sleep: float = IDLE_POLL_SECONDS) -> None:
        """Poll until ``stop_event`` is set; an error of the runner itself is noted and retried."""
        while not stop_event.is_set():
            try:
                progress = self.poll_once()
            except Exception as error:  # moto restarting, say: the messages stay on the queue
                self.last_errors.append(f"{self.config.function_name}: runner error {type(error).__name__}: {error}")
                progress = 0
            if progress == 0:
                stop_event.wait(idle_sleep)
