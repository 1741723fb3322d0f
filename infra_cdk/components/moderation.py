"""Trust and safety in a market's stack (issue 32): the moderation API and where risk signals go.

- The **moderation function** (``functions/moderation``) behind an IAM-authorised REST API in the
  market's region: ``GET /moderation/held`` (held comments and held orders) and
  ``POST /moderation/actions`` (hide or show a comment, mute a viewer for a session, ban one from
  the market; the body validated by API Gateway before the function runs). It reaches only the
  room-metrics table (decisions, the held queues, sanctions and the action log live there),
  read and write. Access logs carry the caller's IAM identity and never a body (it names a viewer).
- **Signals to ops**: a bus rule sends ``OrderHeld`` (``livebase.trust``) to the market's ops topic,
  beside the room alerts, through the same retried, dead-lettered target.

The market's flow role (``moderation-review``) gets, by :meth:`Moderation.grant_flows`, read and write
on the room-metrics table (the held queues, decisions, the action log) and on the inventory (a held
order cancelled gives its units back; released, it is accepted as the orders consumer would).

Ingest already reads and writes the room-metrics table (moderation decisions, sanctions) and the
orders consumer writes it (held orders); neither needs a new grant.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnOutput
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra_cdk.components.delivery import to_topic
from infra_cdk.components.functions import FunctionKit
from infra_cdk.components.rest_api import (
    MarketRestApi,
    access_log_fields,
    add_validated_method,
    json_body_model,
    market_rest_api,
)
from livebase.signals.trust import ORDER_HELD, TRUST_SOURCE

RATE_LIMIT, BURST_LIMIT = 10, 20  # ops at a console and the review flow, a few requests a second
ACTIONS = ("hide", "show", "mute", "ban")


class Moderation(Construct):
    """The moderation function, its one table grant, its REST API and the OrderHeld rule."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        room_metrics: dynamodb.ITable,
        bus: events.IEventBus,
        ops_topic: sns.ITopic,
        ops_dlq: sqs.IQueue,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        market = kit.market
        parts = kit.build(self, "moderation")
        self.function, self.role = parts.function, parts.role
        self.room_metrics = room_metrics
        kit.set_environment(self.function, environment)
        room_metrics.grant_read_write_data(self.function)
        rest = self._api(market.id, kit)
        self.api, self.url = rest.api, f"{rest.url}moderation"
        CfnOutput(self, "ModerationApiUrl", key="ModerationApiUrl", value=self.url)
        events.Rule(
            self, "OrderHeldToOps", event_bus=bus, description="Orders held for risk review to the market's ops topic",
            event_pattern=events.EventPattern(source=[TRUST_SOURCE], detail_type=[ORDER_HELD]),
            targets=[to_topic(ops_topic, dlq=ops_dlq)],
        )  # fmt: skip

    def grant_flows(self, role: iam.IRole, inventory: dynamodb.ITable) -> None:
        """What ``moderation-review`` writes beyond the flows' common grants (reads of orders, stock, lake)."""
        self.room_metrics.grant_read_write_data(role)
        inventory.grant_read_write_data(role)

    def _api(self, market_id: str, kit: FunctionKit) -> MarketRestApi:
        parts = market_rest_api(
            self, name=f"livebase-{market_id}-moderation", key=kit.key, rate_limit=RATE_LIMIT,
            burst_limit=BURST_LIMIT, description="Moderation of the live rooms of this market (IAM-authorised)",
            log_fields=access_log_fields(caller=True),
        )  # fmt: skip
        text = apigw.JsonSchemaType.STRING
        model = json_body_model(
            parts.api, "ModerationAction", required=["action"],
            properties={
                "action": apigw.JsonSchema(type=text, enum=list(ACTIONS)),
                **{name: apigw.JsonSchema(type=text, min_length=1, max_length=64)
                   for name in ("room_id", "event_id", "viewer_id", "session_id")},
                "note": apigw.JsonSchema(type=text, max_length=500),
            },
        )  # fmt: skip
        root = parts.api.root.add_resource("moderation")
        add_validated_method(
            root.add_resource("held"), "GET", self.function, authorization_type=apigw.AuthorizationType.IAM
        )
        add_validated_method(
            root.add_resource("actions"), "POST", self.function,
            authorization_type=apigw.AuthorizationType.IAM, request_models={"application/json": model},
        )  # fmt: skip
        return parts
