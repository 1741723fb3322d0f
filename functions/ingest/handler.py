"""Ingest Lambda: a market's live-event stream → quarantine, moderation, room metrics, room alerts.

Kinesis batch with partial failures (:class:`livebase.batches.kinesis.KinesisBatch`): every record is
admitted or refused by :func:`livebase.live.admission.admit` (the decision every consumer of the
stream makes alike); a refused record, or one whose handling raises anything but a transient AWS
failure, is quarantined (S3 + DLQ, with the reason) and acknowledged, so it cannot block the shard.
The rest are added to the room totals, and completed minutes are judged for alerts. Each comment
is moderated on the way (``livebase.moderation``: show, hide or hold, in microseconds, against the
market's rules and the sanctions ops applied, read through a 30-second cache); hidden and held
comments are not counted, their decisions and statements of reasons are kept in the market's
room-metrics table, and accounts flagged in a room stay out of its ``authentic_*`` figures. Order events
count in the room totals here; their stock and order records are the orders consumer's work
(``functions/orders``), so an order's round trips never delay the room metrics.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import retry_config
from livebase.batches.kinesis import KinesisBatch, KinesisRun, guarded_bus_put
from livebase.batches.quarantine import PROCESSING_FAILED, Quarantine
from livebase.lambda_entry import lambda_entry
from livebase.live.admission import admit_record
from livebase.live.events import AnyLiveEvent
from livebase.live.judging import RoomJudge
from livebase.live.room_metrics import BatchAggregator
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.moderation import Moderator
from livebase.moderation.store import CachedSanctions, ModerationStore
from livebase.privacy.masking import masked_logger
from livebase.privacy.refused import RefusedDocuments
from livebase.stores.room_metrics import RoomStore

# Cold start: everything market-specific is read once, from the stack's environment.
resources = MarketResources.from_environment()
market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
session = boto3.Session(region_name=resources.region)
rooms = RoomStore(session.resource("dynamodb", config=retry_config()).Table(resources.room_metrics_table))

moderation = ModerationStore(rooms.table, market.id)
moderator = Moderator(market, CachedSanctions(moderation.sanctions))  # per container: the shard's viewers

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
refused = RefusedDocuments.of_market(resources, "ingest", session.client("s3"))  # the residency guard's keep
put_events = guarded_bus_put(session.client("events"), keep=refused.keep, source=market, logger=logger)
judge = RoomJudge(rooms, market, put_events, resources.event_bus_name)
batches: KinesisBatch[AnyLiveEvent] = KinesisBatch(
    lambda record: admit_record(record, market), Quarantine.of_consumer(session, resources, "ingest"), logger,
    metrics, metric_prefix="Records", outcome_metrics={"alerts": "RoomAlertsSent"},
)  # fmt: skip


def update_room_metrics(run: KinesisRun[AnyLiveEvent]) -> None:
    """Add the records Kinesis will not redeliver to the shard's room totals, then judge the rooms.

    Records at or after the lowest failed sequence number come back in the next batch, so they
    are counted there, not here (see ``livebase.live.shard_minutes``).
    """
    if not run.admitted:
        return
    batch = BatchAggregator(market, run.admitted[0][0].event_id.split(":")[0], moderator=moderator)
    for record, event in run.admitted:
        if run.redelivered(record):
            continue
        try:
            rejection = batch.add(record.kinesis.sequence_number, event)
        except Exception as error:  # a fault of this record alone: the rest of the batch goes on
            run.quarantine(record, f"unexpected {type(error).__name__} while counting", PROCESSING_FAILED)
            continue
        if rejection is not None:
            run.quarantine(record, rejection.reason)
    outcome = judge.count_and_judge(batch)
    if batch.decisions:  # rewritten alike when the batch is redelivered
        withheld = moderation.record_decisions(batch.decisions)
        metrics.add_metric(name="CommentsWithheld", unit=MetricUnit.Count, value=withheld)
    run.outcomes["alerts"] += outcome.alerts_sent
    overlaps = outcome.written.overlaps
    if overlaps:  # in-order delivery never overlaps; counted low rather than twice
        logger.warning("room minutes skipped: batch overlaps stored totals", minutes=len(overlaps))
        metrics.add_metric(name="RoomMinuteOverlaps", unit=MetricUnit.Count, value=len(overlaps))


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return batches.run(event, context, after=update_room_metrics).response
