"""Studio failover Lambda: a ``device.failover`` on the market bus → the room on its backup input.

Invoked by the market bus's rule for ``device.failover`` (``infra_cdk/components/studio.py``),
beside the ops topic, which the same rule tells. Delivery is at least once, so the switch is
idempotent on the incident (:class:`livebase.batches.bus_target.BusTarget` on ``detail.incident_id``):
a redelivered or repeated failover switches once. What is switched and how is ``livebase.studio.failover``.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.batches.bus_target import BusTarget
from livebase.lambda_entry import lambda_entry
from livebase.markets.resources import FailoverSettings, MarketResources
from livebase.privacy.masking import masked_logger
from livebase.studio.failover import Failover, NotAFailover, RoomSwitch, failover_from_event

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
# Cold start: the market's names, and its MediaLive channel where it has one.
resources = MarketResources.from_environment()
settings = FailoverSettings.from_environment()
session = boto3.Session(region_name=resources.region)


@functools.cache
def iot_data() -> Any:
    """The account's IoT data endpoint, looked up on the first switch (not at every cold start)."""
    endpoint = session.client("iot").describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
    return session.client("iot-data", endpoint_url=f"https://{endpoint}")


medialive = session.client("medialive") if settings.medialive_channel else None
switch = RoomSwitch(iot_data, medialive, settings.medialive_channel)
target = BusTarget(session, resources.idempotency_table, key_path="detail.incident_id", logger=logger, metrics=metrics)


@target.once(failover_from_event, NotAFailover, answer="switched", refused_metric="FailoversRefused")
def fail_over(failover: Failover) -> dict[str, Any]:
    """Switch the room of the failed device to its backup, once per incident."""
    calls = [f"{c.service}:{c.operation}" for c in switch.send(failover)]
    metrics.add_metric(name="FailoversSwitched", unit=MetricUnit.Count, value=1)
    logger.info("room switched to backup", room_id=failover.room_id, device_id=failover.device_id,
                incident_id=failover.incident_id, calls=calls)  # fmt: skip
    return {"switched": True, "room_id": failover.room_id, "incident_id": failover.incident_id, "calls": calls}


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return target.deliver(fail_over, event, context)
