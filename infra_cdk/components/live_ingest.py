"""Live events: the Kinesis stream, its two consumers and their dead-letter queues.

- ingest (every record): validation, quarantine, room totals and room alerts;
- orders (order events only, by the mapping's filter): stock, order records, order events.

Two consumers rather than one function doing both: an order costs several DynamoDB and
EventBridge round trips, and in one function every like and join of the shard behind it waited
for them. Each consumer has its own dead-letter queue, so replaying one never re-runs the other.

Each function, its role and log group are built by :func:`infra_cdk.components.functions.market_function`
(grants only, no managed policy), as the supply-chain queue consumers are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra_cdk.components.functions import ARCHITECTURE, RUNTIME, function_name, market_function
from infra_cdk.components.messaging import DLQ_RETENTION, encrypted_queue
from infra_cdk.components.powertools import powertools_layer
from infra_cdk.layer_staging import stage_layer
from livebase.live.events import ORDER_EVENT_TYPES


def ingest_function_name(market_id: str) -> str:
    return function_name(market_id, "ingest")


def orders_function_name(market_id: str) -> str:
    return function_name(market_id, "orders")


class StreamConsumer(Construct):
    """One Lambda fed by the stream (partial batch failures) with an on-failure dead-letter queue."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        market_id: str,
        function: str,
        stream: kinesis.IStream,
        key: kms.IKey,
        layers: Sequence[lambda_.ILayerVersion],
        filters: Sequence[Mapping[str, Any]] = (),
        dlq_id: str = "Dlq",
    ) -> None:
        super().__init__(scope, construct_id)
        self.dlq = encrypted_queue(self, dlq_id, key=key, retention_period=DLQ_RETENTION)
        parts = market_function(self, market_id=market_id, function=function, key=key, layers=layers)
        self.function, self.role, self.log_group = parts.function, parts.role, parts.log_group
        stream.grant_read(self.function)
        self.function.add_event_source(
            sources.KinesisEventSource(
                stream,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
                retry_attempts=3,
                max_record_age=Duration.hours(1),
                on_failure=sources.SqsDlq(self.dlq),
                filters=list(filters) or None,
            )
        )


class LiveIngest(Construct):
    """The market's live-event stream and its consumers (see the module docstring)."""

    def __init__(self, scope: Construct, construct_id: str, *, market_id: str, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.stream = kinesis.Stream(
            self,
            "LiveEvents",
            stream_mode=kinesis.StreamMode.ON_DEMAND,  # live rooms burst; no shard planning
            encryption=kinesis.StreamEncryption.KMS,
            encryption_key=key,
            retention_period=Duration.hours(24),
        )
        self.layer = lambda_.LayerVersion(
            self,
            "LivebaseLayer",
            code=lambda_.Code.from_asset(str(stage_layer())),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="livebase domain library + pynamodb",
            removal_policy=RemovalPolicy.RETAIN,  # running versions keep working during updates
        )
        # AWS-managed Powertools v3 (powertools + pydantic) for RUNTIME / ARCHITECTURE, at the installed release.
        powertools = powertools_layer(self, "PowertoolsLayer", runtime=RUNTIME, architecture=ARCHITECTURE)
        layers = [self.layer, powertools]
        self.layers: tuple[lambda_.ILayerVersion, ...] = tuple(layers)  # for the other functions of the stack
        common = {"market_id": market_id, "stream": self.stream, "key": key, "layers": layers}
        # "Default" is left out of logical ids: ingest's resources keep the ids they had when
        # ingest was the only consumer, so deployed stacks update in place (their names are fixed).
        self.ingest = StreamConsumer(
            self,
            "Default",
            function="ingest",
            dlq_id="IngestDlq",
            **common,  # type: ignore[arg-type]
        )
        self.orders = StreamConsumer(
            self,
            "Orders",
            function="orders",
            filters=[lambda_.FilterCriteria.filter({"data": {"type": lambda_.FilterRule.or_(*ORDER_EVENT_TYPES)}})],
            **common,  # type: ignore[arg-type]
        )

    @property
    def consumers(self) -> tuple[StreamConsumer, StreamConsumer]:
        return self.ingest, self.orders

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        return {"IngestDlq": self.ingest.dlq, "OrdersDlq": self.orders.dlq}
