"""Moderation API: ops hide a comment, review a held one, mute a viewer for a session, ban one from the market.

On the market's IAM-authorised REST API, in the market's region (issue 32):

- ``GET /moderation/held``: the held comments (text included, for the reviewer: it stays in the
  region) and the orders held for risk review, viewers as short keys only;
- ``POST /moderation/actions``: one action, ``{"action": "hide" | "show" | "mute" | "ban", ...}``
  (``hide``/``show``: a comment by ``room_id`` and ``event_id``; ``mute``: ``viewer_id`` and
  ``session_id``; ``ban``: ``viewer_id``; ``note`` optional). Each action is applied to the
  room-metrics table and logged with its statement of reasons and the caller's identity;
  ingest hides a muted or banned viewer's later comments within 30 seconds (its cached lookup).

A bad body is a 400 naming the field and the kind of fault, never echoing a value. Nothing here
logs a viewer id (``livebase.privacy.masking``); answers carry viewer keys, not ids.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

import boto3
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, ForbiddenError, NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from livebase.aws import retry_config
from livebase.batches.reasons import describe_error
from livebase.lambda_entry import json_response, lambda_entry
from livebase.live.events import EventId, NameId, ViewerId
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.moderation.store import ModerationStore
from livebase.privacy.masking import masked_logger
from livebase.risk.holds import HeldOrders

resources = MarketResources.from_environment()
market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
session = boto3.Session(region_name=resources.region)
table = session.resource("dynamodb", config=retry_config(3)).Table(resources.room_metrics_table)
store = ModerationStore(table, market.id)
held_orders = HeldOrders(table, market.id)

logger = masked_logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()
Note = Annotated[str, Field(max_length=500)]


class _StrictAction(BaseModel):
    """An action's body: unknown fields refused (a typo is not silently ignored), the action immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CommentAction(_StrictAction):
    action: Literal["hide", "show"]
    room_id: NameId
    event_id: EventId
    note: Note = ""


class MuteAction(_StrictAction):
    action: Literal["mute"]
    viewer_id: ViewerId
    session_id: NameId
    note: Note = ""


class BanAction(_StrictAction):
    action: Literal["ban"]
    viewer_id: ViewerId
    note: Note = ""


Action = Annotated[CommentAction | MuteAction | BanAction, Field(discriminator="action")]
action_adapter: TypeAdapter[Action] = TypeAdapter(Action)


def _caller() -> str:
    identity = (app.current_event.raw_event.get("requestContext") or {}).get("identity") or {}
    caller = identity.get("userArn")
    if not caller:  # defence in depth behind AWS_IAM: API Gateway sets it for signed calls
        raise ForbiddenError("caller: an IAM-signed request is required (AWS_IAM authorisation); none was seen")
    return str(caller)


@app.get("/moderation/held")
@tracer.capture_method(capture_response=False)
def get_held() -> Response[dict[str, Any]]:
    _caller()
    comments = [
        {"room_id": h.room_id, "event_id": h.event_id, "ts": h.ts, "reason": h.reason, "rule": h.rule,
         "text": h.text, "viewer": h.viewer_key}
        for h in store.held()
    ]  # fmt: skip
    orders = [
        {"order_id": h.order.order_id, "room_id": h.order.room_id, "score": h.score, "signals": list(h.signals),
         "viewer": h.viewer_key, "received_at": h.received_at.isoformat()}
        for h in held_orders.pending()
    ]  # fmt: skip
    return json_response(200, {"market": market.id, "comments": comments, "orders": orders})


@app.post("/moderation/actions")
@tracer.capture_method(capture_response=False)
def post_action() -> Response[dict[str, Any]]:
    caller = _caller()
    try:
        action = action_adapter.validate_json(app.current_event.body or "")
    except (ValidationError, ValueError) as error:
        raise BadRequestError(describe_error(error)) from None
    if isinstance(action, CommentAction):
        held = next((h for h in store.held(1000) if h.event_id == action.event_id), None)
        if held is not None:
            logged = store.resolve(held, show=action.action == "show", actor=caller, note=action.note)
        elif action.action == "hide":
            logged = store.hide_comment(action.room_id, action.event_id, caller, note=action.note)
        else:
            raise NotFoundError(f"event_id: no held comment {action.event_id} in {market.id}")
    elif isinstance(action, MuteAction):
        logged = store.sanction(action.viewer_id, caller, session_id=action.session_id, note=action.note)
    else:
        logged = store.sanction(action.viewer_id, caller, note=action.note)
    metrics.add_metric(name="ModerationActions", unit=MetricUnit.Count, value=1)
    logger.info("moderation action", action=action.action, statement=logged.get("statement", ""))
    return json_response(200, logged)


@lambda_entry(logger, metrics, resources.market, tracer=tracer, correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
