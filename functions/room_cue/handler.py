"""Room-cue Lambda: a ``stock.low`` / ``stock.out`` for a room → timed metadata on its live channel.

Invoked by the market bus's rule for stock signals that name a room (``detail.room_id`` exists;
``infra_cdk/components/room_cues.py``), with a retry policy and a DLQ on the target. Delivery is at
least once, so the call is idempotent on the bus event's id (:class:`livebase.batches.bus_target.BusTarget`):
a redelivered event sends no second cue. The cue goes to its room's planned session's channel when
the session-channels flow recorded one, else to the market's (``RoomChannels``). What a cue is and how
each video service takes it is ``livebase.live.room_cues``; here: parse, send, count.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.batches.bus_target import BusTarget
from livebase.lambda_entry import lambda_entry
from livebase.live.room_cues import (
    NONE,
    NotACue,
    RoomChannels,
    RoomCue,
    channel_setting,
    cue_channel,
    cue_from_event,
)
from livebase.markets.resources import CueSettings, MarketResources
from livebase.privacy.masking import masked_logger

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
# Cold start: the market's names and its channel, from the stack's environment. A market whose video
# is served from its media stack (a media Region and an SSM parameter there) reads the channel there, once.
# The rooms' own channels are read (and cached) per room in the same Region.
resources = MarketResources.from_environment()
settings = CueSettings.from_environment()
session = boto3.Session(region_name=resources.region)
video = boto3.Session(region_name=settings.region or resources.region)
ssm = video.client("ssm") if settings.service != NONE else None
market_channel = cue_channel(
    settings.service, channel_setting(settings.channel, settings.channel_parameter, ssm), video
)
channel = RoomChannels(market_channel, resources.market, ssm, video)
target = BusTarget(session, resources.idempotency_table, key_path="id", logger=logger, metrics=metrics)


@target.once(cue_from_event, NotACue, answer="sent", refused_metric="RoomCuesRefused")
def deliver(cue: RoomCue | None) -> dict[str, Any]:
    """Send the cue a stock signal asks for, once per bus event id."""
    if cue is None:  # the rule passes only stock signals for a room; tolerate a wider one
        return {"sent": False, "reason": "not a stock signal for a room"}
    if channel.service == NONE:
        logger.info("no live video in this market: cue not sent", room_id=cue.room_id, sku=cue.sku)
        metrics.add_metric(name="RoomCuesWithoutVideo", unit=MetricUnit.Count, value=1)
        return {"sent": False, "reason": "no live video", "room_id": cue.room_id}
    own = channel.route(cue) is not market_channel  # the room's planned session's channel
    service = channel.route(cue).service
    channel.send(cue)
    metrics.add_metric(name="RoomCuesSent", unit=MetricUnit.Count, value=1)
    logger.info("room cue sent", service=service, room_channel=own, room_id=cue.room_id, sku=cue.sku, level=cue.level)
    return {"sent": True, "service": service, "room_channel": own, "room_id": cue.room_id, "sku": cue.sku,
            "level": cue.level}  # fmt: skip


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="RoomCueEvents", unit=MetricUnit.Count, value=1)  # delivered, redeliveries included
    return target.deliver(deliver, event, context)
