"""How events reach a market's consumers, and where what is not delivered goes: the shapes every
component wires the same way, built once here so a setting changes in one place.

* :func:`encrypted_stream`: an on-demand Kinesis stream under the market key, kept 24 h.
* :func:`stream_source`: the one Kinesis mapping of every stream consumer (partial batch
  failures, bisect, 3 retries, at most 1 h old, then its dead-letter queue).
* :func:`dead_letter_queue`: a queue that IS a dead-letter destination (a mapping's on-failure,
  a rule target's DLQ, a function's asynchronous on-failure), kept 14 days; cdk-nag recognises
  only redrive-policy DLQs, so each says what it catches.
* :func:`bus_rule` and its targets (``to_topic``, ``to_queue``, ``to_api_destination``, ``to_function``): a rule
  on the market bus whose targets retry, then dead-letter what they could not deliver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra_cdk.components.messaging import DLQ_RETENTION, encrypted_queue
from infra_cdk.nag import acknowledge

# EventBridge's maxima: a target that cannot be reached is retried for a day before its DLQ.
TARGET_RETRY_ATTEMPTS = 185
TARGET_MAX_EVENT_AGE = Duration.hours(24)
STREAM_RETENTION = Duration.hours(24)
CUSTOMER_MANAGED_KEY = (
    "Deliberately the market's customer-managed single-Region key, not aws/kinesis: one key per market "
    "that residency controls and key policies can scope."
)


def encrypted_stream(scope: Construct, construct_id: str, *, key: kms.IKey) -> kinesis.Stream:
    """On demand (bursts need no shard planning), the market key, 24 h."""
    stream = kinesis.Stream(
        scope,
        construct_id,
        stream_mode=kinesis.StreamMode.ON_DEMAND,
        encryption=kinesis.StreamEncryption.KMS,
        encryption_key=key,
        retention_period=STREAM_RETENTION,
    )
    acknowledge(stream, "AwsSolutions-KDS3", CUSTOMER_MANAGED_KEY)
    return stream


def stream_source(
    stream: kinesis.IStream, *, dlq: sqs.IQueue, filters: Sequence[Mapping[str, Any]] = ()
) -> sources.KinesisEventSource:
    """Partial batch failures, bisect on error, 3 retries, 1 h at most, then ``dlq``."""
    return sources.KinesisEventSource(
        stream,
        starting_position=lambda_.StartingPosition.TRIM_HORIZON,
        batch_size=100,
        bisect_batch_on_error=True,
        report_batch_item_failures=True,
        retry_attempts=3,
        max_record_age=Duration.hours(1),
        on_failure=sources.SqsDlq(dlq),
        filters=list(filters) or None,
    )


def dead_letter_queue(scope: Construct, construct_id: str, *, key: kms.IKey, catches: str) -> sqs.Queue:
    """An encrypted queue kept 14 days that is the dead-letter destination of ``catches``."""
    queue = encrypted_queue(scope, construct_id, key=key, retention_period=DLQ_RETENTION)
    acknowledge(
        queue,
        "AwsSolutions-SQS3",
        f"This queue IS the dead-letter destination of {catches}; cdk-nag only recognises redrive-policy DLQs.",
    )
    return queue


def bus_rule(
    scope: Construct,
    construct_id: str,
    *,
    bus: events.IEventBus,
    pattern: events.EventPattern,
    description: str,
    to: Sequence[events.IRuleTarget],
) -> events.Rule:
    """A rule on the market bus delivering to ``to`` (in order)."""
    rule = events.Rule(scope, construct_id, event_bus=bus, event_pattern=pattern, description=description)
    for target in to:
        rule.add_target(target)
    return rule


def to_topic(topic: sns.ITopic, *, dlq: sqs.IQueue) -> targets.SnsTopic:
    """The event to an SNS topic, retried for a day, then into ``dlq``."""
    return targets.SnsTopic(
        topic, dead_letter_queue=dlq, retry_attempts=TARGET_RETRY_ATTEMPTS, max_event_age=TARGET_MAX_EVENT_AGE
    )


def to_queue(queue: sqs.IQueue, *, dlq: sqs.IQueue) -> targets.SqsQueue:
    """The raw event into a queue, retried for a day, then into ``dlq``."""
    return targets.SqsQueue(
        queue, dead_letter_queue=dlq, retry_attempts=TARGET_RETRY_ATTEMPTS, max_event_age=TARGET_MAX_EVENT_AGE
    )


def to_api_destination(
    destination: events.IApiDestination, *, event: events.RuleTargetInput, dlq: sqs.IQueue
) -> targets.ApiDestination:
    """``event`` POSTed to an HTTP API, retried for a day, then into ``dlq``."""
    return targets.ApiDestination(
        destination,
        event=event,
        dead_letter_queue=dlq,
        retry_attempts=TARGET_RETRY_ATTEMPTS,
        max_event_age=TARGET_MAX_EVENT_AGE,
    )


def to_function(
    function: lambda_.IFunction, *, dlq: sqs.IQueue, retry_attempts: int, max_event_age: Duration
) -> targets.LambdaFunction:
    """The event to a function, retried as the caller says (a cue or a switch is worth minutes), then ``dlq``."""
    return targets.LambdaFunction(
        function, dead_letter_queue=dlq, retry_attempts=retry_attempts, max_event_age=max_event_age
    )
