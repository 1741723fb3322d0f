"""Studio failover Lambda: a ``device.failover`` on the market bus → the room on its backup input.

Invoked by the market bus's rule for ``device.failover`` (``infra_cdk/components/studio.py``),
beside the ops topic, which the same rule tells. Delivery is at least once, so the switch is
idempotent on the incident (powertools idempotency on ``detail.incident_id``): a redelivered or
repeated failover switches once. What is switched and how is ``livebase.studio.failover``.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.markets.resources import MarketResources
from livebase.privacy.masking import masked_logger
from livebase.studio.failover import NotAFailover, RoomSwitch, failover_from_event

# Cold start: the market's names, and its MediaLive channel where it has one.
resources = MarketResources.from_environment()
session = boto3.Session(region_name=resources.region)
medialive_channel = os.environ.get("SWITCH_MEDIALIVE_CHANNEL", "")


@functools.cache
def iot_data() -> Any:
    """The account's IoT data endpoint, looked up on the first switch (not at every cold start)."""
    endpoint = session.client("iot").describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
    return session.client("iot-data", endpoint_url=f"https://{endpoint}")


switch = RoomSwitch(iot_data, session.client("medialive") if medialive_channel else None, medialive_channel)

logger = masked_logger()  # nothing personal in a log line
tracer = Tracer()
metrics = Metrics()
idempotency = IdempotencyConfig(event_key_jmespath="detail.incident_id", expires_after_seconds=24 * 3600)
persistence = DynamoDBPersistenceLayer(table_name=resources.idempotency_table, boto3_session=session)


@idempotent_function(data_keyword_argument="event", config=idempotency, persistence_store=persistence)
def fail_over(event: dict[str, Any]) -> dict[str, Any]:
    """Switch the room of the failed device to its backup, once per incident."""
    try:
        failover = failover_from_event(event)
    except NotAFailover as refused:  # the reason names a field; not retried
        logger.warning("failover refused", reason=str(refused))
        metrics.add_metric(name="FailoversRefused", unit=MetricUnit.Count, value=1)
        return {"switched": False, "reason": str(refused)}
    calls = switch.send(failover)
    metrics.add_metric(name="FailoversSwitched", unit=MetricUnit.Count, value=1)
    logger.info("room switched to backup", room_id=failover.room_id, device_id=failover.device_id,
                incident_id=failover.incident_id, calls=[f"{c.service}:{c.operation}" for c in calls])  # fmt: skip
    return {"switched": True, "room_id": failover.room_id, "incident_id": failover.incident_id,
            "calls": [f"{c.service}:{c.operation}" for c in calls]}  # fmt: skip


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    metrics.add_dimension(name="market", value=resources.market)
    return fail_over(event=event)
