"""Ingest Lambda: a market's live-event stream → quarantine, room metrics, room alerts.

Kinesis batch with partial failures: every record is admitted or refused by
:func:`livebase.live.admission.admit` (the decision every consumer of the stream makes alike); a
refused record, or one whose handling raises anything but a transient AWS failure, is
quarantined (S3 + DLQ, with the reason) and acknowledged, so it cannot block the shard. The rest
are added to the room totals, and completed minutes are judged for alerts. Order events count in
the room totals here; their stock and order records are the orders consumer's work
(``functions/orders``), so an order's round trips never delay the room metrics.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import put_allowed, retry_config
from livebase.live.admission import Admitted, admit_record
from livebase.live.events import AnyLiveEvent
from livebase.live.judging import RoomJudge
from livebase.batches.quarantine import PROCESSING_FAILED, VALIDATION_FAILED, Quarantine, QuarantinedRecord
from livebase.live.room_metrics import BatchAggregator
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.privacy.masking import masked_logger
from livebase.privacy.refused import RefusedDocuments
from livebase.stores.room_metrics import RoomStore

# Cold start: everything market-specific is read once, from the stack's environment.
resources = MarketResources.from_environment()
market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
session = boto3.Session(region_name=resources.region)
events_client = session.client("events")
quarantine_store = Quarantine.of_consumer(session, resources, "ingest")
rooms = RoomStore(session.resource("dynamodb", config=retry_config()).Table(resources.room_metrics_table))
residency_quarantine = RefusedDocuments.of_market(resources, "ingest", session.client("s3"))
judge = RoomJudge(rooms, market, lambda entries: put_events(entries), resources.event_bus_name)

logger = masked_logger()  # nothing personal in a log line
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.KinesisDataStreams)


def put_events(entries: Sequence[Mapping[str, Any]]) -> None:
    """Bus puts after a whole batch: an entry the residency guard refuses is kept in the market's
    quarantine and logged (reasons only), never retried with the batch."""
    for refusal in put_allowed(events_client, entries, source=market, keep=residency_quarantine.keep):
        logger.error("bus entry refused by the residency guard", reason=refusal)


@dataclass
class BatchState:
    """What one invocation collects beside the per-record work."""

    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    valid: list[tuple[KinesisStreamRecord, AnyLiveEvent]] = field(default_factory=list)
    alerts_sent: int = 0


def quarantine(record: KinesisStreamRecord, reason: str, state: BatchState, condition: str = VALIDATION_FAILED) -> None:
    logger.warning("record quarantined", sequence_number=record.kinesis.sequence_number, reason=reason)
    state.quarantined.append(QuarantinedRecord.from_kinesis(record, reason, condition))


def handle_record(record: KinesisStreamRecord, state: BatchState) -> None:
    try:
        admission = admit_record(record, market)
    except Exception as error:  # admit does not raise on any input; if it ever does, the record waits
        quarantine(record, f"unexpected {type(error).__name__} in admission", state, PROCESSING_FAILED)
        return
    if isinstance(admission, Admitted):
        state.valid.append((record, admission.event))
    else:
        quarantine(record, admission.reason, state)


def update_room_metrics(state: BatchState, first_failed: int | None) -> None:
    """Add the records Kinesis will not redeliver to the shard's room totals, then judge the rooms.

    Records at or after the lowest failed sequence number come back in the next batch, so they
    are counted there, not here (see ``livebase.live.shard_minutes``).
    """
    if not state.valid:
        return
    batch = BatchAggregator(market, state.valid[0][0].event_id.split(":")[0])
    for record, event in state.valid:
        sequence = record.kinesis.sequence_number
        if first_failed is not None and int(sequence) >= first_failed:
            continue
        try:
            rejection = batch.add(sequence, event)
        except Exception as error:  # a fault of this record alone: the rest of the batch goes on
            quarantine(record, f"unexpected {type(error).__name__} while counting", state, PROCESSING_FAILED)
            continue
        if rejection is not None:
            quarantine(record, rejection.reason, state)
    outcome = judge.count_and_judge(batch)
    state.alerts_sent += outcome.alerts_sent
    overlaps = outcome.written.overlaps
    if overlaps:  # in-order delivery never overlaps; counted low rather than twice
        logger.warning("room minutes skipped: batch overlaps stored totals", minutes=len(overlaps))
        metrics.add_metric(name="RoomMinuteOverlaps", unit=MetricUnit.Count, value=len(overlaps))


def flush_quarantine(state: BatchState) -> None:
    """One object (the market's own bucket) and one DLQ message per record, once per record."""
    if state.quarantined:
        quarantine_store.put(state.quarantined)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    state = BatchState()
    response = process_partial_response(
        event=event, record_handler=partial(handle_record, state=state), processor=processor, context=context
    )
    failed = [int(str(item["itemIdentifier"])) for item in response.get("batchItemFailures", [])]
    update_room_metrics(state, min(failed) if failed else None)
    flush_quarantine(state)
    failures = len(response.get("batchItemFailures", []))
    metrics.add_dimension(name="market", value=resources.market)
    metrics.add_metric(name="RecordsReceived", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    metrics.add_metric(name="RecordsQuarantined", unit=MetricUnit.Count, value=len(state.quarantined))
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=failures)
    metrics.add_metric(name="RoomAlertsSent", unit=MetricUnit.Count, value=state.alerts_sent)
    logger.info(
        "batch done",
        records=len(event.get("Records", [])),
        quarantined=len(state.quarantined),
        failed=failures,
        alerts=state.alerts_sent,
    )
    return dict(response)
