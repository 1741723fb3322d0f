"""The demo's player lines (issue 31): a viewer joins a session in its experiment arm and gets recommendations.

After the live show, in the market's region: the session is published as the player will join it
(room, the live day's line-up, an experiment on the line-up order), recommendations are trained
as ``recommendations-training`` does (``flows.recommendations``: consenting viewers' orders), and
a viewer who bought in the show joins through the player function (``POST /sessions/{s}/join``)
and asks ``GET /recommendations``: first without personalisation consent (the line-up order),
then after giving it from the player. The report names no viewer.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from livebase.markets.resources import MarketResources
from livebase.privacy.consent import Purpose
from livebase.sessions.joining import SessionRecord
from livebase.stores.consent import ConsentStore
from livebase.stores.orders import OrderStore
from livebase_local.runner.functions import load_handler
from livebase_local.simulator.stock import lineup_skus

EVENTS_CONTEXT = {"resourceId": "demo", "stage": "v1", "requestId": "demo", "identity": {}}


def _call(handler: Any, method: str, path: str, *, body: Any = None, query: dict[str, str] | None = None) -> Any:
    event = {
        "resource": path, "path": path, "httpMethod": method, "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {}, "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": None, "stageVariables": None, "requestContext": {**EVENTS_CONTEXT, "httpMethod": method},
        "body": json.dumps(body) if body is not None else None, "isBase64Encoded": False,
    }  # fmt: skip
    context = type("Context", (), {"function_name": "player", "memory_limit_in_mb": 512, "aws_request_id": "demo",
                                   "invoked_function_arn": "arn:aws:lambda:local:0:function:player"})()  # fmt: skip
    response = handler(event, context)
    return response["statusCode"], json.loads(response["body"])


def player_demo(resources: MarketResources) -> str:
    """Lines for the report: the viewer's arm, then their recommendations without and with consent."""
    from flows.recommendations import behaviour, player_store, publish_model

    now = datetime.now(UTC)
    session = f"{resources.market}-demo-{now:%Y%m%d}"
    experiment = f"{session}-lineup_order"
    lineup = tuple(lineup_skus(resources.market))
    player_store(resources).put_session(
        SessionRecord(session, session, lineup, experiment, 0.5, now + timedelta(hours=2)),
        expires=now + timedelta(days=1),
    )
    buyers = sorted(
        {o.viewer_id for o in OrderStore.for_market(resources).all_orders() if o.viewer_id.startswith("v_")}
    )
    if not buyers:
        return "        player: no buyer in the live show to show recommendations for"
    viewer = buyers[0]
    handler = load_handler("player", resources, container=f"demo-{uuid.uuid4().hex[:6]}")[1]
    status, joined = _call(handler, "POST", f"/sessions/{session}/join", body={"viewer": viewer})
    if status != 200:
        return f"        player: join refused ({status}): {joined}"
    query = {"session": session, "viewer": viewer}
    before = _call(handler, "GET", "/recommendations", query=query)[1]
    ConsentStore.for_market(resources).record(viewer, Purpose.PERSONALISATION, True, now)
    interactions, consenting = behaviour(resources, now - timedelta(days=90))
    summary = publish_model(resources, interactions, consenting, now, 14.0)
    after = _call(handler, "GET", "/recommendations", query=query)[1]
    return "\n".join([
        f"        player: a buyer of the show joins {session}: arm {joined['variant']} (room {joined['room']}), "
        f"exposure recorded for experiment-analysis",
        f"        recommendations without consent ({before['source']}: {before['reason']}): "
        f"{', '.join(before['items'][:5])}",
        f"        after consent from the player ({after['source']}, trained on {len(interactions)} order lines, "
        f"{summary['lists_written']} lists): {', '.join(after['items'][:5])}",
    ])  # fmt: skip
