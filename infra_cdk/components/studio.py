"""Studio devices: telemetry in through AWS IoT Core, a consumer that predicts failures, and the
failover that switches a room to its backup input and tells ops.

* **Telemetry stream** of its own (``StudioTelemetry``, on demand, the market key, 24 h): studio
  telemetry is not a live-room event, so the live stream's admission stays one decision for one
  kind of record, its consumers never filter device samples out, and a device storm cannot hold
  back room metrics or orders. Its record is ``livebase.studio.telemetry.Telemetry``.
* **IoT topic rule**: ``SELECT * FROM 'livebase/<market>/studio/+/telemetry'`` → the stream, the
  device id as partition key (one shard owns a device's window), through a role of its own that
  may only put records on that stream; what the rule cannot deliver goes to the studio DLQ.
* **studio** function (``functions/studio``): the stream's consumer (partial batch failures,
  bisect, 3 retries, 1 h, then the DLQ); the devices table (windows and incident state), bus put,
  its own quarantine prefix.
* **device.failover** rule → the **studio_failover** function (``functions/studio_failover``:
  IoT ``Publish`` to the room's switch topic, MediaLive input switch where the market has a
  MediaLive channel) and → the market's **ops topic**; a rule for ``device.warning`` → ops too.

Grants only, every statement naming its resource except those the services cannot scope.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iot as iot
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra_cdk.components.delivery import (
    bus_rule,
    dead_letter_queue,
    encrypted_stream,
    stream_source,
    to_function,
    to_topic,
)
from infra_cdk.components.functions import FunctionKit, MarketFunction
from infra_cdk.components.live_video import LiveVideo
from infra_cdk.nag import (
    acknowledge,
    acknowledge_grant_put,
    acknowledge_grant_read,
    acknowledge_key_grants,
    nag_resource,
)
from livebase.batches.quarantine import QUARANTINE_PREFIX
from livebase.markets.resources import FailoverSettings, StudioSettings
from livebase.signals.studio import DEVICE_FAILOVER, DEVICE_WARNING, STUDIO_EVENT_SOURCE

TELEMETRY_FUNCTION, FAILOVER_FUNCTION = "studio", "studio_failover"
FAILOVER_PATTERN = events.EventPattern(source=[STUDIO_EVENT_SOURCE], detail_type=[DEVICE_FAILOVER])
WARNING_PATTERN = events.EventPattern(source=[STUDIO_EVENT_SOURCE], detail_type=[DEVICE_WARNING])
FAILOVER_RETRY_ATTEMPTS = 8
FAILOVER_MAX_EVENT_AGE = Duration.minutes(15)  # a switch an hour late is no failover
# Stack outputs of the studio (the local simulator, demo and tests read them).
OUTPUT_STREAM, OUTPUT_TABLE = "StudioTelemetryStreamName", "StudioDevicesTableName"
OUTPUT_DLQ, OUTPUT_FAILOVER_DLQ = "StudioDlqUrl", "StudioFailoverDlqUrl"


def telemetry_topic_filter(market_id: str) -> str:
    return f"livebase/{market_id}/studio/+/telemetry"


class Studio(Construct):
    """The market's studio telemetry path and device failover (see the module docstring)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        bus: events.IEventBus,
        ops_topic: sns.ITopic,
        ops_dlq: sqs.IQueue,
        idempotency_table: dynamodb.ITable,
        bucket: s3.IBucket,
        video: LiveVideo,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        market_id, key = kit.market_id, kit.key
        self.stream = encrypted_stream(self, "Telemetry", key=key)
        self.dlq = dead_letter_queue(
            self, "Dlq", key=key,
            catches="the telemetry mapping's on-failure destination, the IoT rule's error action and the "
            "consumer's quarantine notices",
        )  # fmt: skip
        self.failover_dlq = dead_letter_queue(
            self, "FailoverDlq", key=key,
            catches="the failover rule's Lambda target and the function's asynchronous invocations",
        )  # fmt: skip
        self.devices = dynamodb.Table(
            self,
            "Devices",
            partition_key=dynamodb.Attribute(name="device", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
        )
        self.topic_rule = self._topic_rule(market_id)
        self.consumer = self._consumer(kit, bus, bucket, environment)
        self.failover = self._failover(kit, idempotency_table, video, environment)
        switch = to_function(
            self.failover.function, dlq=self.failover_dlq, retry_attempts=FAILOVER_RETRY_ATTEMPTS,
            max_event_age=FAILOVER_MAX_EVENT_AGE,
        )  # fmt: skip
        self.failover_rule = bus_rule(
            self, "DeviceFailover", bus=bus, pattern=FAILOVER_PATTERN,
            description="device.failover to the studio_failover function (backup input) and the ops topic",
            to=[switch, to_topic(ops_topic, dlq=ops_dlq)],
        )  # fmt: skip
        self.warning_rule = bus_rule(
            self, "DeviceWarning", bus=bus, pattern=WARNING_PATTERN,
            description="device.warning (a failure predicted, with its lead time) to the ops topic",
            to=[to_topic(ops_topic, dlq=ops_dlq)],
        )  # fmt: skip
        outputs = {
            OUTPUT_STREAM: self.stream.stream_name,
            OUTPUT_TABLE: self.devices.table_name,
            OUTPUT_DLQ: self.dlq.queue_url,
            OUTPUT_FAILOVER_DLQ: self.failover_dlq.queue_url,
        }
        for output_key, value in outputs.items():
            CfnOutput(self, output_key, key=output_key, value=value)

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        return {"StudioDlq": self.dlq, "StudioFailoverDlq": self.failover_dlq}

    def _topic_rule(self, market_id: str) -> iot.CfnTopicRule:
        role = iam.Role(
            self,
            "IotRole",
            assumed_by=iam.ServicePrincipal("iot.amazonaws.com"),
            description=f"studio telemetry topic rule of market {market_id}: put records, DLQ only",
        )
        self.stream.grant_write(role)
        self.dlq.grant_send_messages(role)
        acknowledge_key_grants(role.node.find_child("DefaultPolicy"))
        action = iot.CfnTopicRule.ActionProperty
        return iot.CfnTopicRule(
            self,
            "TelemetryRule",
            topic_rule_payload=iot.CfnTopicRule.TopicRulePayloadProperty(
                sql=f"SELECT * FROM '{telemetry_topic_filter(market_id)}'",
                aws_iot_sql_version="2016-03-23",
                rule_disabled=False,
                description=f"studio device telemetry of market {market_id} to its studio telemetry stream",
                actions=[
                    action(
                        kinesis=iot.CfnTopicRule.KinesisActionProperty(
                            stream_name=self.stream.stream_name, role_arn=role.role_arn, partition_key="${device_id}"
                        )
                    )
                ],
                error_action=action(
                    sqs=iot.CfnTopicRule.SqsActionProperty(
                        queue_url=self.dlq.queue_url, role_arn=role.role_arn, use_base64=True
                    )
                ),
            ),
        )

    def _consumer(
        self, kit: FunctionKit, bus: events.IEventBus, bucket: s3.IBucket, environment: Mapping[str, str]
    ) -> MarketFunction:
        market_id = kit.market_id
        parts = kit.build(Construct(self, "Consumer"), TELEMETRY_FUNCTION)
        kit.set_environment(
            parts.function,
            environment,
            StudioSettings(self.devices.table_name, self.dlq.queue_url).lambda_environment(),
        )
        self.stream.grant_read(parts.function)
        self.devices.grant_read_write_data(parts.function)
        bus.grant_put_events_to(parts.function)
        self.dlq.grant_send_messages(parts.function)
        prefix = f"{QUARANTINE_PREFIX}/{market_id}/{TELEMETRY_FUNCTION}/*"
        bucket.grant_put(parts.function, prefix)
        bucket.grant_read(parts.function, prefix)
        policy = parts.role.node.find_child("DefaultPolicy")
        acknowledge_grant_put(policy, bucket, prefix, "The studio consumer")
        acknowledge_grant_read(policy, "The studio consumer")
        parts.function.add_event_source(stream_source(self.stream, dlq=self.dlq))
        return parts

    def _failover(
        self, kit: FunctionKit, idempotency_table: dynamodb.ITable, video: LiveVideo, environment: Mapping[str, str]
    ) -> MarketFunction:
        market_id = kit.market_id
        parts = kit.build(Construct(self, "Failover"), FAILOVER_FUNCTION, timeout=Duration.seconds(10))
        channel = video.medialive_channel
        settings = FailoverSettings(channel.ref if channel is not None else "").lambda_environment()
        kit.set_environment(parts.function, environment, settings)
        parts.function.configure_async_invoke(
            retry_attempts=2,
            max_event_age=FAILOVER_MAX_EVENT_AGE,
            on_failure=destinations.SqsDestination(self.failover_dlq),
        )
        idempotency_table.grant_read_write_data(parts.function)  # one switch per incident
        stack = Stack.of(self)
        topics_arn = (
            f"arn:{stack.partition}:iot:{stack.region}:{stack.account}:topic/livebase/{market_id}/studio/*/switch"
        )
        statements = [
            iam.PolicyStatement(actions=["iot:Publish"], resources=[topics_arn]),
            iam.PolicyStatement(actions=["iot:DescribeEndpoint"], resources=["*"]),
        ]
        if channel is not None:
            statements.append(
                iam.PolicyStatement(actions=["medialive:BatchUpdateSchedule"], resources=[channel.attr_arn])
            )
        policy = iam.Policy(self, "SwitchPolicy", roles=[parts.role], statements=statements)
        acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::*]",
            "iot:DescribeEndpoint supports no resource-level "
            "permissions; it only returns the account's IoT data endpoint address.",
        )
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::{nag_resource(self, topics_arn)}]",
            "Publish only to the switch topics of this market's studio rooms; rooms are added without a deploy.",
        )
        return parts
