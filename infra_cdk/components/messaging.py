"""The market's EventBridge bus and the WMS hand-off queue (with its own dead-letter queue)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

DLQ_RETENTION = Duration.days(14)  # the SQS maximum: time to investigate before anything is lost


def encrypted_queue(
    scope: Construct,
    construct_id: str,
    *,
    key: kms.IKey,
    retention_period: Duration | None = None,
    visibility_timeout: Duration | None = None,
    dead_letter_queue: sqs.DeadLetterQueue | None = None,
) -> sqs.Queue:
    """SQS queue encrypted with the market key that refuses plain-HTTP access."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        data_key_reuse=Duration.hours(1),
        enforce_ssl=True,
        retention_period=retention_period,
        visibility_timeout=visibility_timeout,
        dead_letter_queue=dead_letter_queue,
    )


def queue_with_dlq(
    scope: Construct, *, key: kms.IKey, visibility_timeout: Duration, max_receive_count: int
) -> tuple[sqs.Queue, sqs.Queue]:
    """(queue, dlq): a consumer's queue whose messages move to its own DLQ after ``max_receive_count``
    receives (the construct ids ``Queue`` and ``Dlq`` in ``scope``)."""
    dlq = encrypted_queue(scope, "Dlq", key=key, retention_period=DLQ_RETENTION)
    queue = encrypted_queue(
        scope,
        "Queue",
        key=key,
        visibility_timeout=visibility_timeout,
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=max_receive_count, queue=dlq),
    )
    return queue, dlq


def market_bus(scope: Construct, market_id: str, key: kms.IKey) -> events.EventBus:
    """Custom bus ``livebase-<market>`` (fixed name: producers and rules address it by name).

    Events at rest use the market key; CDK adds the key-policy statement scoped to this bus.
    """
    return events.EventBus(scope, "Bus", event_bus_name=f"livebase-{market_id}", kms_key=key)


class MarketMessaging(Construct):
    """Bus ``livebase-<market>`` for domain events; queue for orders handed to the warehouse."""

    def __init__(self, scope: Construct, construct_id: str, *, market_id: str, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.bus = market_bus(self, market_id, key)
        self.wms_dlq = encrypted_queue(self, "WmsDlq", key=key, retention_period=DLQ_RETENTION)
        self.wms_queue = encrypted_queue(
            self,
            "WmsQueue",
            key=key,
            visibility_timeout=Duration.minutes(5),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=self.wms_dlq),
        )
