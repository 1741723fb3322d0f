"""Studio telemetry Lambda: the market's studio telemetry stream → device windows → warnings
and failovers on the market bus.

Kinesis batch with partial failures (:class:`livebase.batches.kinesis.KinesisBatch`). Each record is
parsed by :func:`livebase.studio.telemetry.parse_telemetry`; a refused one is quarantined (the
market's bucket under ``quarantine/<market>/studio/`` and the studio DLQ, with the reason) and
acknowledged. The valid samples are applied per device by :class:`livebase.studio.watch.DeviceWatch`;
a transient failure there fails the batch (Kinesis retries it; the watch is redelivery-safe).
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import retry_config
from livebase.batches.kinesis import KinesisBatch, KinesisRun, guarded_bus_put
from livebase.batches.quarantine import Quarantine
from livebase.batches.reasons import Admitted, Refused
from livebase.lambda_entry import lambda_entry
from livebase.markets.resources import MarketResources, StudioSettings
from livebase.privacy.masking import masked_logger
from livebase.privacy.refused import RefusedDocuments
from livebase.stores.studio_devices import StudioDeviceStore
from livebase.studio.telemetry import Telemetry, TelemetryRefused, parse_telemetry
from livebase.studio.watch import DeviceWatch

# Cold start: the market's names and the function's own settings, from the stack's environment.
resources = MarketResources.from_environment()
settings = StudioSettings.from_environment()
session = boto3.Session(region_name=resources.region)
table = session.resource("dynamodb", config=retry_config()).Table(settings.devices_table)

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
refused = RefusedDocuments.of_market(resources, "studio", session.client("s3"))  # the residency guard's keep
put_events = guarded_bus_put(session.client("events"), keep=refused.keep, source=None, logger=logger)
watch = DeviceWatch(StudioDeviceStore(table), put_events, resources.event_bus_name)


def admit(record: KinesisStreamRecord) -> Admitted[Telemetry] | Refused:
    try:
        return Admitted(parse_telemetry(record.kinesis.data_as_bytes(), resources.market))
    except TelemetryRefused as refusal:  # the reason names fields, never values
        return Refused(str(refusal))


batches = KinesisBatch(
    admit, Quarantine.of_consumer(session, resources, "studio", settings.dlq_url), logger, metrics,
    metric_prefix="Telemetry", outcome_metrics={"warnings": "DeviceWarnings", "failovers": "DeviceFailovers"},
)  # fmt: skip


def apply(run: KinesisRun[Telemetry]) -> None:
    outcome = watch.apply([sample for _, sample in run.admitted])
    run.outcomes.update(devices=outcome.devices, warnings=outcome.warnings, failovers=outcome.failovers)


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = batches.run(event, context, after=apply)
    return {**run.response, "warnings": run.outcomes["warnings"], "failovers": run.outcomes["failovers"]}
