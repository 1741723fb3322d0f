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

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra_cdk.components.delivery import dead_letter_queue, encrypted_stream, stream_source
from infra_cdk.components.functions import ARCHITECTURE, RUNTIME, FunctionKit, function_name
from infra_cdk.components.powertools import powertools_layer
from infra_cdk.layer_staging import stage_layer
from livebase.live.events import ORDER_EVENT_TYPES
from livebase.markets.config import Market


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
        kit: FunctionKit,
        function: str,
        stream: kinesis.IStream,
        filters: Sequence[Mapping[str, Any]] = (),
        dlq_id: str = "Dlq",
    ) -> None:
        super().__init__(scope, construct_id)
        self.dlq = dead_letter_queue(self, dlq_id, key=kit.key, catches="a stream consumer's mapping (on-failure)")
        parts = kit.build(self, function)
        self.function, self.role, self.log_group = parts.function, parts.role, parts.log_group
        stream.grant_read(self.function)
        self.function.add_event_source(stream_source(stream, dlq=self.dlq, filters=filters))


class LiveIngest(Construct):
    """The market's live-event stream and its consumers (see the module docstring)."""

    def __init__(self, scope: Construct, construct_id: str, *, market: Market, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.stream = encrypted_stream(self, "LiveEvents", key=key)  # live rooms burst; no shard planning
        self.layer = lambda_.LayerVersion(
            self,
            "LivebaseLayer",
            code=lambda_.Code.from_asset(str(stage_layer())),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="livebase domain library + pynamodb",
            removal_policy=RemovalPolicy.RETAIN,  # running versions keep working during updates
        )
        # Powertools v3 (powertools + pydantic) for RUNTIME / ARCHITECTURE, at the installed release.
        powertools = powertools_layer(self, "PowertoolsLayer", runtime=RUNTIME, architecture=ARCHITECTURE)
        # What every other function of the stack is built from too.
        self.kit = FunctionKit(market, key, (self.layer, powertools))
        # "Default" is left out of logical ids: ingest's resources keep the ids they had when
        # ingest was the only consumer, so deployed stacks update in place (their names are fixed).
        self.ingest = StreamConsumer(
            self, "Default", kit=self.kit, function="ingest", stream=self.stream, dlq_id="IngestDlq"
        )
        self.orders = StreamConsumer(
            self,
            "Orders",
            kit=self.kit,
            function="orders",
            stream=self.stream,
            filters=[lambda_.FilterCriteria.filter({"data": {"type": lambda_.FilterRule.or_(*ORDER_EVENT_TYPES)}})],
        )

    @property
    def consumers(self) -> tuple[StreamConsumer, StreamConsumer]:
        return self.ingest, self.orders

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        return {"IngestDlq": self.ingest.dlq, "OrdersDlq": self.orders.dlq}
