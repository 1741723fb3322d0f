"""Kinesis batches for stream consumers: one decision per record, partial failures for transient errors only.

Lambda's Kinesis event source checkpoints at the lowest failed sequence number and redelivers
everything from there, so a record that can never succeed must not fail: it would hold its shard.
For every record of a batch, :class:`KinesisBatch`:

* admits it (``admit``: decode and check, :class:`~livebase.batches.reasons.Admitted`) or refuses it
  (:class:`~livebase.batches.reasons.Refused`, the reason safe to log); a refused record is
  quarantined (``ValidationFailed``), or only counted as skipped by a consumer whose stream has
  another consumer that quarantines it (orders: ingest does);
* hands an admitted record to the consumer (``handle``), or keeps it for the batch's work
  (``KinesisRun.admitted``): a transient error in ``handle`` is a batch item failure (redelivered),
  anything else quarantines the record (``ProcessingFailed``, the error's type only, never its
  message, which may quote input);
* then lets the consumer do its work over the whole batch (``after``: it sees what was admitted and
  which records Kinesis will redeliver), sends what was quarantined (:class:`~livebase.batches.quarantine.Quarantine`),
  and counts and logs the batch (``<prefix>Received``, ``<prefix>Quarantined``, ``<prefix>Failed``
  and the consumer's own outcomes).

:func:`guarded_bus_put` is the bus put such consumers make after a batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord

from livebase.aws import is_transient, put_allowed
from livebase.batches.quarantine import PROCESSING_FAILED, VALIDATION_FAILED, Quarantine, QuarantinedRecord
from livebase.batches.reasons import Admitted, Refused
from livebase.markets.config import Market
from livebase.privacy.guard import Keeper

T = TypeVar("T")
PutEvents = Callable[[Sequence[Mapping[str, Any]]], None]


@dataclass
class KinesisRun(Generic[T]):
    """One invocation's batch: what was admitted (when not handled one by one), outcomes the consumer
    counts, records set aside, the partial response."""

    logger: Any
    records: int
    admitted: list[tuple[KinesisStreamRecord, T]] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    response: dict[str, Any] = field(default_factory=dict)
    first_failed: int | None = None  # the lowest sequence number reported failed, once the records are done

    def quarantine(self, record: KinesisStreamRecord, reason: str, condition: str = VALIDATION_FAILED) -> None:
        """Set a record aside (acknowledged, kept in the lake and announced on the DLQ after the batch)."""
        self.logger.warning("record quarantined", sequence_number=record.kinesis.sequence_number, reason=reason)
        self.quarantined.append(QuarantinedRecord.from_kinesis(record, reason, condition))

    @property
    def failures(self) -> int:
        return len(self.response.get("batchItemFailures", []))

    def redelivered(self, record: KinesisStreamRecord) -> bool:
        """Kinesis sends this record again: it is at or after the lowest failed sequence number."""
        return self.first_failed is not None and int(record.kinesis.sequence_number) >= self.first_failed


Handle = Callable[[KinesisStreamRecord, T, KinesisRun[T]], None]


class KinesisBatch(Generic[T]):
    """One stream consumer's batch handling: admission, its quarantine, the handler's logger and metrics.

    ``outcome_metrics`` maps keys of ``KinesisRun.outcomes`` to the metric each is counted as.
    ``quarantine_refused=False``: refused records are counted as ``skipped`` and acknowledged only.
    """

    def __init__(
        self,
        admit: Callable[[KinesisStreamRecord], Admitted[T] | Refused],
        quarantine: Quarantine,
        logger: Any,  # powertools Logger (the masked one: livebase.privacy.masking)
        metrics: Any,  # powertools Metrics
        *,
        metric_prefix: str,
        outcome_metrics: Mapping[str, str] | None = None,
        quarantine_refused: bool = True,
    ) -> None:
        self.admit, self.quarantine = admit, quarantine
        self.logger, self.metrics = logger, metrics
        self.metric_prefix, self.outcome_metrics = metric_prefix, dict(outcome_metrics or {})
        self.quarantine_refused = quarantine_refused
        self.processor = BatchProcessor(event_type=EventType.KinesisDataStreams)

    def run(
        self,
        event: dict[str, Any],
        context: Any,
        handle: Handle[T] | None = None,
        *,
        what: Callable[[T], str] = lambda _: "a record",
        after: Callable[[KinesisRun[T]], None] | None = None,
    ) -> KinesisRun[T]:
        """``handle(record, admitted, run)`` per admitted record (without one, each is kept in
        ``run.admitted``), then ``after(run)``; ``what(admitted)`` names it in a quarantine reason.
        Returns the run (``response`` is Lambda's partial response)."""
        run: KinesisRun[T] = KinesisRun(self.logger, len(event.get("Records", [])))

        def record_handler(record: KinesisStreamRecord) -> None:
            self._take(record, run, handle, what)

        response = process_partial_response(
            event=event, record_handler=record_handler, processor=self.processor, context=context
        )
        run.response = dict(response)
        failed = [int(str(item["itemIdentifier"])) for item in run.response.get("batchItemFailures", [])]
        run.first_failed = min(failed) if failed else None
        if after is not None:
            after(run)
        if run.quarantined:
            self.quarantine.put(run.quarantined)
        self._report(run)
        return run

    def _take(
        self, record: KinesisStreamRecord, run: KinesisRun[T], handle: Handle[T] | None, what: Callable[[T], str]
    ) -> None:
        try:
            decision = self.admit(record)
        except Exception as error:  # admission does not raise on any input; if it ever does, set aside
            run.quarantine(record, f"unexpected {type(error).__name__} in admission", PROCESSING_FAILED)
            return
        if isinstance(decision, Refused):
            if self.quarantine_refused:
                run.quarantine(record, decision.reason)
            else:
                run.outcomes["skipped"] += 1
            return
        if handle is None:
            run.admitted.append((record, decision.event))
            return
        try:
            handle(record, decision.event, run)
        except Exception as error:
            if is_transient(error):
                raise  # a batch item failure: Kinesis redelivers from here
            reason = f"unexpected {type(error).__name__} handling {what(decision.event)}"
            run.quarantine(record, reason, PROCESSING_FAILED)

    def _report(self, run: KinesisRun[T]) -> None:
        prefix, count = self.metric_prefix, MetricUnit.Count
        self.metrics.add_metric(name=f"{prefix}Received", unit=count, value=run.records)
        self.metrics.add_metric(name=f"{prefix}Quarantined", unit=count, value=len(run.quarantined))
        self.metrics.add_metric(name=f"{prefix}Failed", unit=count, value=run.failures)
        for outcome, name in self.outcome_metrics.items():
            self.metrics.add_metric(name=name, unit=count, value=run.outcomes[outcome])
        self.logger.info(
            "batch done", records=run.records, outcomes=dict(run.outcomes), quarantined=len(run.quarantined),
            failed=run.failures,
        )  # fmt: skip


def guarded_bus_put(events_client: Any, *, keep: Keeper, source: Market | None, logger: Any) -> PutEvents:
    """Bus puts after a whole batch: an entry the residency guard refuses is kept (``keep``: the
    market's quarantine of refused documents) and logged with its reasons, never retried with the batch."""

    def put_events(entries: Sequence[Mapping[str, Any]]) -> None:
        for refusal in put_allowed(events_client, entries, source=source, keep=keep):
            logger.error("bus entry refused by the residency guard", reason=refusal)

    return put_events
