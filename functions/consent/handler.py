"""Consent Lambda: the viewer's consent from the player (the live stream) and from the base's own sites
(``POST /consent``, ``POST /consent/unsubscribe`` on the market's IAM-authorised REST API), and the
viewers' activity the lifecycle stages read.

Stream (a third consumer, its mapping's filter passing ``consent_changed`` and the activity types:
joins, leaves, comments, likes, shares, add-to-cart): every record is admitted by
:func:`livebase.live.admission.admit` as every consumer does (a refused one is ingest's to
quarantine: skipped here). A consent change is kept with source ``player`` and the record's own
time (``ConsentStore.record``: the latest wins, every change kept); activity is folded per viewer and
room and kept as one object per batch under ``recall/<market>/activity/`` (overwritten when Kinesis
delivers the batch again). A transient failure is a batch item failure; anything else quarantines
the record on this function's DLQ (``ProcessingFailed``).

API: ``POST /consent`` ``{"viewer", "purpose", "granted"}`` records the change with source ``site`` at
the time the request reached API Gateway (never a time from the body); a raw account id is
pseudonymised here, in the market's region (``GenerateMac``). ``POST /consent/unsubscribe``
``{"delivery"}`` withdraws marketing with source ``unsubscribe`` for the viewer the delivery was sent
to, read from the delivery's own record. Bad input answers 400 naming the field, never its value;
nothing personal is logged (``livebase.privacy.masking``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, ForbiddenError, NotFoundError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import retry_config
from livebase.batches.kinesis import KinesisBatch, KinesisRun
from livebase.batches.quarantine import Quarantine
from livebase.lambda_entry import json_response, lambda_entry
from livebase.lifecycle.traces import ACTIVITY_TYPES, batch_activity
from livebase.live.admission import admit_record
from livebase.live.events import AnyLiveEvent, ConsentChanged
from livebase.markets.config import Market
from livebase.markets.resources import ConsentSettings, MarketResources
from livebase.privacy.consent import Purpose, Source
from livebase.privacy.erasure import ErasureError, viewer_key_of
from livebase.privacy.masking import masked_logger
from livebase.privacy.pseudonyms import KmsPseudonymiser
from livebase.stores.consent import ConsentStore
from livebase.stores.recall import RecallLake

# Cold start: the market's names and config, from the stack's environment; clients of its region.
resources = MarketResources.from_environment()
market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
settings = ConsentSettings.from_environment()
session = boto3.Session(region_name=resources.region)
consent = ConsentStore(
    session.client("dynamodb", config=retry_config()), resources.consent_table,
    retention_days=market.retention.consent_days,
)  # fmt: skip
lake = RecallLake(session.client("s3", config=retry_config()), resources.data_lake_bucket, market.id)
pseudonymise = KmsPseudonymiser(session.client("kms", config=retry_config(3)), resources.pseudonym_key_id)

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
batches: KinesisBatch[AnyLiveEvent] = KinesisBatch(
    lambda record: admit_record(record, market),
    Quarantine.of_consumer(session, resources, "consent", queue_url=settings.dlq_url), logger, metrics,
    metric_prefix="ConsentRecords", quarantine_refused=False,  # ingest quarantines the refused ones
    outcome_metrics={"consent": "ConsentChanges", "stale": "ConsentChangesSuperseded", "activity": "ActivityRecords",
                     "skipped": "ConsentRecordsSkipped"},
)  # fmt: skip
app = APIGatewayRestResolver()
PURPOSES = frozenset(p.value for p in Purpose)


# ---- the stream ------------------------------------------------------------------------------------
def consume(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    seen: list[tuple[KinesisStreamRecord, AnyLiveEvent]] = []

    def handle(record: KinesisStreamRecord, admitted: AnyLiveEvent, run: KinesisRun[AnyLiveEvent]) -> None:
        if isinstance(admitted, ConsentChanged):
            kept = consent.record(
                admitted.viewer_id, Purpose(admitted.purpose), admitted.granted, admitted.ts, source=Source.PLAYER
            )
            run.outcomes["consent" if kept else "stale"] += 1
        elif admitted.type in ACTIVITY_TYPES:
            seen.append((record, admitted))
            run.outcomes["activity"] += 1
        else:  # the mapping's filter passes only consent and activity; tolerate a wider one
            run.outcomes["skipped"] += 1

    def keep_activity(run: KinesisRun[AnyLiveEvent]) -> None:
        kept = [(record, e) for record, e in seen if not run.redelivered(record)]  # counted when redelivered
        if not kept:
            return
        first = kept[0][0]
        day = datetime.fromtimestamp(first.kinesis.approximate_arrival_timestamp, UTC).date()
        shard = first.event_id.split(":", 1)[0]
        rows = batch_activity((e.type, e.viewer_id, e.room_id, e.ts) for _, e in kept)
        lake.put_activity(day, shard, first.kinesis.sequence_number, rows)

    return batches.run(event, context, handle, what=lambda admitted: admitted.type, after=keep_activity).response


# ---- the API -------------------------------------------------------------------------------------------
def _require_signed_caller() -> None:
    identity = (app.current_event.raw_event.get("requestContext") or {}).get("identity") or {}
    if not identity.get("userArn"):  # defence in depth behind AWS_IAM: API Gateway sets it for signed calls
        raise ForbiddenError("caller: an IAM-signed request is required (AWS_IAM authorisation); none was seen")


def _body() -> dict[str, Any]:
    try:
        body = app.current_event.json_body if app.current_event.body else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise BadRequestError("body: a JSON object is required")
    return body


def _received_at() -> datetime:
    """When API Gateway received the request (its own clock, not the caller's)."""
    epoch_ms = (app.current_event.raw_event.get("requestContext") or {}).get("requestTimeEpoch")
    return datetime.fromtimestamp(epoch_ms / 1000, UTC) if isinstance(epoch_ms, int | float) else datetime.now(UTC)


def _refused(reason: str) -> BadRequestError:
    logger.info("consent request refused", reason=reason)  # the field and fault, never the value
    metrics.add_metric(name="ConsentRequestsRefused", unit=MetricUnit.Count, value=1)
    return BadRequestError(reason)


@app.post("/consent")
def post_consent() -> Response[dict[str, Any]]:
    _require_signed_caller()
    body = _body()
    viewer, purpose, granted = body.get("viewer"), body.get("purpose"), body.get("granted")
    if not isinstance(viewer, str) or not viewer.strip():
        raise _refused("viewer: required, the viewer's pseudonymous id or account id (text)")
    if not isinstance(granted, bool):
        raise _refused("granted: required, true or false")
    if purpose not in PURPOSES:  # named by the field, never echoed: a value may carry anything
        raise _refused(f"purpose: required, one of {', '.join(sorted(PURPOSES))}")
    try:
        viewer_key = viewer_key_of(viewer.strip(), pseudonymise)
    except ErasureError as error:  # its messages name the field and the kind of data, never the value
        raise _refused(str(error).split(";")[0]) from None
    chosen = Purpose(purpose)
    kept = consent.record(viewer_key, chosen, granted, _received_at(), source=Source.SITE)
    metrics.add_metric(name="ConsentChangesFromSites", unit=MetricUnit.Count, value=1)
    return json_response(200, {"purpose": chosen.value, "granted": granted, "recorded": kept})


@app.post("/consent/unsubscribe")
def post_unsubscribe() -> Response[dict[str, Any]]:
    _require_signed_caller()
    delivery = _body().get("delivery")
    if not isinstance(delivery, str) or not delivery:
        raise _refused("delivery: required, the id the recall message carried")
    viewer_key = lake.viewer_of(delivery)
    if viewer_key is None:
        raise NotFoundError(f"delivery: no recall message with this id in {market.id}")
    consent.record(viewer_key, Purpose.MARKETING, False, _received_at(), source=Source.UNSUBSCRIBE)
    metrics.add_metric(name="Unsubscribes", unit=MetricUnit.Count, value=1)
    return json_response(200, {"purpose": Purpose.MARKETING.value, "granted": False})


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        return consume(event, context)
    return app.resolve(event, context)
