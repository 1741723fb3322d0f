"""The market's player API (issue 31): joining a session in its experiment arm, and recommendations.

* ``Table``: the player table (``livebase.stores.player``: sessions, exposures, top lists; keys
  ``pk``/``sk``, TTL ``expires_at``), on demand, point-in-time recovery, the market key; it names
  viewers (pseudonymous keys or their digests), so it is in the market's region and expires.
* ``Function``: ``functions/player``. Grants: get, batch get and put on the player table (it
  writes only exposures, conditionally), batch get on the Consent table (the viewer's
  personalisation consent, read in the same call). Its environment holds the two table names and
  the market config, nothing else.
* ``Api``: a REST API, ``POST /sessions/{session}/join`` and ``GET /recommendations`` (query
  ``session`` and ``viewer`` required: API Gateway refuses a request without them). Called by the
  player app, whose viewers have no account: no authorizer, the viewer named by a pseudonym only,
  throttled at the stage and by a usage plan, behind the stack's web ACL, access logs without
  caller IPs, query strings or bodies.

:meth:`PlayerApi.grant_flows`: the ``recommendations-training`` flow writes sessions and top lists,
``experiment-analysis`` reads exposures (read and write on the player table for the flow role).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra_cdk.components.functions import FunctionKit
from infra_cdk.components.rest_api import (
    access_log_fields,
    add_validated_method,
    json_body_model,
    market_rest_api,
    open_to_the_public,
)
from infra_cdk.components.tables import market_table
from livebase.markets.resources import OUTPUTS

RATE_LIMIT = 200  # requests per second, steady, for the stage: a room's joins at a session's start
BURST_LIMIT = 400
DAILY_QUOTA = 2_000_000


class PlayerApi(Construct):
    """The player table, the player function and its public REST API (module docstring)."""

    def __init__(self, scope: Construct, construct_id: str, *, kit: FunctionKit, consent: dynamodb.ITable) -> None:
        super().__init__(scope, construct_id)
        market, key = kit.market, kit.key
        self.table = market_table(self, "Table", key, "pk", sort_key="sk", ttl="expires_at")
        parts = kit.build(self, "player", timeout=Duration.seconds(5))
        self.function, self.role = parts.function, parts.role
        self.table.grant(self.function, "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem")
        consent.grant(self.function, "dynamodb:BatchGetItem")
        tables = {"player_table": self.table.table_name, "consent_table": consent.table_name}
        kit.set_environment(self.function, {OUTPUTS[field][1]: name for field, name in tables.items()})
        self.api, url = self._api(market.id, key)
        self.names = {"player_table": self.table.table_name, "player_api_url": url}

    def grant_flows(self, role: iam.IRole) -> None:
        """recommendations-training writes sessions and top lists; experiment-analysis reads exposures."""
        self.table.grant_read_write_data(role)

    def _api(self, market_id: str, key: kms.IKey) -> tuple[apigw.RestApi, str]:
        parts = market_rest_api(
            self, name=f"livebase-{market_id}-player", key=key, rate_limit=RATE_LIMIT, burst_limit=BURST_LIMIT,
            description="The player's way into a session: join (room and experiment arm) and recommendations",
            log_fields=access_log_fields(caller=False),  # no query string either: the viewer is named there
        )  # fmt: skip
        api = parts.api
        join_model = json_body_model(
            api, "JoinRequest", required=["viewer"],
            properties={"viewer": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, min_length=1, max_length=80)},
        )  # fmt: skip
        join = add_validated_method(
            api.root.add_resource("sessions").add_resource("{session}").add_resource("join"), "POST", self.function,
            authorization_type=apigw.AuthorizationType.NONE, request_models={"application/json": join_model},
            request_parameters={"method.request.path.session": True},
        )  # fmt: skip
        recommend = add_validated_method(
            api.root.add_resource("recommendations"), "GET", self.function,
            authorization_type=apigw.AuthorizationType.NONE,
            request_parameters={"method.request.querystring.session": True, "method.request.querystring.viewer": True},
        )  # fmt: skip
        open_to_the_public(
            api, [join, recommend], plan_name=f"livebase-{market_id}-player", rate_limit=RATE_LIMIT,
            burst_limit=BURST_LIMIT, daily_quota=DAILY_QUOTA,
            reason="Called by the player app, whose viewers have no account: a viewer is named only by the "
            "pseudonymous key the player holds (64+ random bits, never a contact detail); the answers are a room, "
            "an arm and an order of the session's line-up. Throttled at stage and usage plan, behind the stack's "
            "regional web ACL.",
        )  # fmt: skip
        return api, parts.url
