"""Player Lambda: the viewer's way into a live session, behind the market's player REST API.

- ``POST /sessions/{session}/join`` (body ``{"viewer": "v_<hex>"}``): the room to play and, in an
  experiment, the viewer's arm (``livebase.sessions.joining``: ``assign_variant`` on the
  pseudonymous key), the exposure recorded once in the player table. An unknown session is a 404,
  an ended experiment a 409, each saying so; a malformed viewer a 400 naming the field.
- ``GET /recommendations?session=..&viewer=..``: the session's line-up ranked for the viewer
  (``livebase.recommend.ranking``) from the top list the ``recommendations-training`` flow wrote,
  only with personalisation consent, else the line-up order with the reason. One ``BatchGetItem``
  (session, list, consent) per request: precomputed lookups keep p99 low.

The decision is the back end's, from its own records: the player names a session and its viewer
key, nothing else is read from the request. Bodies are never logged (masked logger; the viewer
key is pseudonymous but still personal), and everything stays in the market's region.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import retry_config
from livebase.lambda_entry import json_response, lambda_entry, market_runtime
from livebase.privacy.masking import masked_logger
from livebase.recommend.ranking import rank_lineup
from livebase.sessions.joining import JoinRefused, check_viewer, join
from livebase.stores.player import PlayerStore

# Cold start: the market's player and consent tables, a client of the market's own region.
runtime = market_runtime()
store = PlayerStore(
    runtime.session.client("dynamodb", config=retry_config(3)),
    runtime.resources.player_table,
    runtime.resources.consent_table,
)
_SESSION = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")  # the live-event contract's room/session alphabet

logger = masked_logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()


def _session_id(value: str | None) -> str:
    if not value or not _SESSION.match(value):
        raise BadRequestError("session: not a session id (A-Z, a-z, 0-9 and _ . : -, 1 to 64 characters)")
    return value


def _viewer(value: object) -> str:
    try:
        return check_viewer(value if isinstance(value, str) else "")
    except JoinRefused as refused:
        raise BadRequestError(str(refused)) from None


@app.post("/sessions/<session>/join")
@tracer.capture_method(capture_response=False)
def join_session(session: str) -> Response[dict[str, object]]:
    session_id = _session_id(session)
    try:
        body = json.loads(app.current_event.body or "{}")
    except json.JSONDecodeError:
        raise BadRequestError("body: not JSON") from None
    viewer = _viewer(body.get("viewer") if isinstance(body, dict) else None)
    now = datetime.now(UTC)
    try:
        joined = join(store.session(session_id), session_id, viewer, now)
    except JoinRefused as refused:
        metrics.add_metric(name=f"JoinRefused_{refused.status}", unit=MetricUnit.Count, value=1)
        logger.info("join refused", session_id=session_id, status=refused.status)
        return json_response(refused.status, {"refused": str(refused)})
    first = False
    if joined.experiment_id and joined.variant:
        first = store.expose(joined.experiment_id, viewer, joined.variant, now)
        metrics.add_metric(name="Exposures", unit=MetricUnit.Count, value=int(first))
    logger.info("joined", session_id=session_id, experiment=joined.experiment_id, first_exposure=first)
    return json_response(200, {
        "session": joined.session_id, "room": joined.room_id,
        "experiment": joined.experiment_id, "variant": joined.variant,
    })  # fmt: skip


@app.get("/recommendations")
@tracer.capture_method(capture_response=False)
def recommendations() -> Response[dict[str, object]]:
    session_id = _session_id(app.current_event.get_query_string_value("session"))
    viewer = _viewer(app.current_event.get_query_string_value("viewer"))
    inputs = store.recommendation_inputs(session_id, viewer)
    if inputs.session is None:
        raise NotFoundError(f"session {session_id}: unknown session")
    ranked = rank_lineup(inputs.session.lineup, inputs.scores, consented=inputs.consented)
    metrics.add_metric(name=f"Recommendations_{ranked.source}", unit=MetricUnit.Count, value=1)
    return json_response(200, {
        "session": session_id, "items": ranked.items, "source": ranked.source, "reason": ranked.reason,
    }, headers={"Cache-Control": "private, max-age=30"})  # fmt: skip


@lambda_entry(
    logger, metrics, runtime.resources.market, tracer=tracer, correlation_id_path=correlation_paths.API_GATEWAY_REST
)
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)
