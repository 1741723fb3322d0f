"""Studio telemetry Lambda: the market's studio telemetry stream → device windows → warnings
and failovers on the market bus.

Kinesis batch with partial failures (powertools ``BatchProcessor``). Each record is parsed by
:func:`livebase.studio.telemetry.parse_telemetry`; a refused one is quarantined (the market's
bucket under ``quarantine/<market>/studio/`` and the studio DLQ, with the reason) and
acknowledged. The valid samples are applied per device by :class:`livebase.studio.watch.DeviceWatch`;
a transient failure there fails the batch (Kinesis retries it; the watch is redelivery-safe).
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
from livebase.batches.quarantine import Quarantine, QuarantinedRecord
from livebase.markets.resources import MarketResources
from livebase.privacy.masking import masked_logger
from livebase.privacy.refused import RefusedDocuments
from livebase.stores.studio_devices import StudioDeviceStore
from livebase.studio.telemetry import Telemetry, TelemetryRefused, parse_telemetry
from livebase.studio.watch import DeviceWatch

# Cold start: the market's names from the stack's environment.
resources = MarketResources.from_environment()
session = boto3.Session(region_name=resources.region)
events_client = session.client("events")
table = session.resource("dynamodb", config=retry_config()).Table(os.environ["STUDIO_DEVICES_TABLE"])
residency_quarantine = RefusedDocuments.of_market(resources, "studio", session.client("s3"))
watch = DeviceWatch(StudioDeviceStore(table), lambda entries: put_events(entries), resources.event_bus_name)
quarantine_store = Quarantine(
    session.client("s3"), session.client("sqs"), bucket=resources.data_lake_bucket,
    queue_url=os.environ["STUDIO_DLQ_URL"], market=resources.market, consumer="studio",
)  # fmt: skip

logger = masked_logger()  # nothing personal in a log line
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.KinesisDataStreams)


def put_events(entries: Sequence[Mapping[str, Any]]) -> None:
    """Bus puts after a whole batch: an entry the residency guard refuses is kept in the market's
    quarantine and logged (reasons only), never retried with the batch."""
    for refusal in put_allowed(events_client, entries, source=None, keep=residency_quarantine.keep):
        logger.error("bus entry refused by the residency guard", reason=refusal)


@dataclass
class BatchState:
    samples: list[Telemetry] = field(default_factory=list)
    quarantined: list[QuarantinedRecord] = field(default_factory=list)


def handle_record(record: KinesisStreamRecord, state: BatchState) -> None:
    try:
        state.samples.append(parse_telemetry(record.kinesis.data_as_bytes(), resources.market))
    except TelemetryRefused as refused:  # the reason names fields, never values
        logger.warning("telemetry quarantined", sequence_number=record.kinesis.sequence_number, reason=str(refused))
        state.quarantined.append(QuarantinedRecord.from_kinesis(record, str(refused)))


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    state = BatchState()
    response = process_partial_response(
        event=event, record_handler=partial(handle_record, state=state), processor=processor, context=context
    )
    if state.quarantined:
        quarantine_store.put(state.quarantined)
    outcome = watch.apply(state.samples)
    metrics.add_dimension(name="market", value=resources.market)
    metrics.add_metric(name="TelemetryRecords", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    metrics.add_metric(name="TelemetryQuarantined", unit=MetricUnit.Count, value=len(state.quarantined))
    metrics.add_metric(name="DeviceWarnings", unit=MetricUnit.Count, value=outcome.warnings)
    metrics.add_metric(name="DeviceFailovers", unit=MetricUnit.Count, value=outcome.failovers)
    logger.info("batch done", records=len(event.get("Records", [])), quarantined=len(state.quarantined),
                devices=outcome.devices, warnings=outcome.warnings, failovers=outcome.failovers)  # fmt: skip
    return {**response, "warnings": outcome.warnings, "failovers": outcome.failovers}
