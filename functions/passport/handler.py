"""Passport Lambda: ``GET /passport/{batch}`` behind the market's public REST API (API Gateway).

Deliberately public and read-only: a viewer scans the batch's QR label during a live show and
sees where the product came from. The body is the batch's supply events and the result of
verifying them (hash chain, anchored head, Merkle inclusion under the day's locked anchor, with
the leaf and proof path that let anyone check it without this API), labelled in the market's
languages (``livebase.passport.view``): JSON, or a web page when ``Accept`` prefers HTML (a phone's
browser), in the market language ``Accept-Language`` ranks highest (``livebase.passport.page``);
supply events hold no personal data (the schema refuses it), so nothing personal can be served or
logged here. A malformed batch id is a 400 naming the field; an unknown batch a 404. Throttled by
the stage and its usage plan (``infra_cdk/components/passport.py``).
"""

from __future__ import annotations

import os
import re

import boto3
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import retry_config
from livebase.lambda_entry import json_response, lambda_entry
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.passport.events import BATCH_PATTERN
from livebase.passport.page import HEADERS, HTML_TYPE, choose_language, render, wants_html
from livebase.passport.service import verify
from livebase.passport.view import passport
from livebase.privacy.masking import masked_logger
from livebase.stores.anchors import AnchorStore
from livebase.stores.ledger import LedgerStore

# Cold start: the market's names and languages, from the stack's environment.
resources = MarketResources.from_environment()
market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
session = boto3.Session(region_name=resources.region)
ledger = LedgerStore(session.client("dynamodb", config=retry_config(3)), resources.passport_ledger_table)
anchors = AnchorStore(session.client("s3"), resources.passport_anchor_bucket)
_BATCH = re.compile(BATCH_PATTERN)

logger = masked_logger()  # public endpoint: the request context may carry a caller's address
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()


@app.get("/passport/<batch>")
@tracer.capture_method(capture_response=False)
def get_passport(batch: str) -> Response[dict[str, object]] | Response[str]:
    if not _BATCH.match(batch):
        raise BadRequestError("batch: not a batch id (A-Z, 0-9 and '-', 4 to 48 characters)")
    checked = verify(ledger, anchors, batch)
    if not checked.entries:
        raise NotFoundError(f"batch {batch}: no passport")
    body = passport(checked.entries, checked.verification, checked.anchor, market.languages)
    status = str(body["verification"]["status"])  # type: ignore[index]
    metrics.add_metric(name=f"Passport_{status}", unit=MetricUnit.Count, value=1)
    headers = app.current_event.headers or {}
    html = wants_html(_header(headers, "accept"))
    logger.info("passport served", batch_id=batch, status=status, length=checked.verification.length, html=html)
    if html:
        page = render(body, choose_language(_header(headers, "accept-language"), market.languages))
        cache = {"Cache-Control": "public, max-age=60", **HEADERS}
        return Response(status_code=200, content_type=HTML_TYPE, body=page, headers=cache)
    return json_response(200, body, headers={"Cache-Control": "public, max-age=60", "Vary": HEADERS["Vary"]})


def _header(headers: dict[str, str], name: str) -> str | None:
    """A request header whatever its case (API Gateway passes them as the client sent them)."""
    return next((value for key, value in headers.items() if key.lower() == name), None)


@lambda_entry(logger, metrics, resources.market, tracer=tracer, correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)
