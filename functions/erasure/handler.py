"""Erasure Lambda: ``POST /erasures`` on the market's IAM-authorised REST API (API Gateway).

Body ``{"viewer": "<pseudonymous id or the raw account id>"}``. A raw id is pseudonymised here,
in the market's region, with the market's HMAC key (``GenerateMac``); then
``livebase.stores.erasure.ViewerErasure`` removes the viewer from every store of the market and
writes the receipt to the data lake. The response is the receipt (counts, where, the scan after):
it never names the viewer, and neither does any log line (``livebase.privacy.masking``).
Only callers with ``execute-api:Invoke`` on this method get here (AWS_IAM authorisation): the
privacy team's role, not the public. A request without the signed caller API Gateway adds (a
misconfigured method, a direct invoke) is refused with 403 before the body is read.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, ForbiddenError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import retry_config
from livebase.lambda_entry import json_response, lambda_entry
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.privacy.erasure import ErasureError, viewer_key_of
from livebase.privacy.masking import masked_logger
from livebase.privacy.pseudonyms import KmsPseudonymiser
from livebase.stores.erasure import ViewerErasure

# Cold start: the market's names and config, from the stack's environment; clients of its region.
resources = MarketResources.from_environment()
market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
session = boto3.Session(region_name=resources.region)
erasure = ViewerErasure(market, resources, session)
pseudonymise = KmsPseudonymiser(session.client("kms", config=retry_config(3)), resources.pseudonym_key_id)

logger = masked_logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()


@app.post("/erasures")
@tracer.capture_method(capture_response=False)
def post_erasure() -> Response[dict[str, Any]]:
    identity = (app.current_event.raw_event.get("requestContext") or {}).get("identity") or {}
    if not identity.get("userArn"):  # defence in depth behind AWS_IAM: API Gateway sets it for signed calls
        raise ForbiddenError("caller: an IAM-signed request is required (AWS_IAM authorisation); none was seen")
    try:
        body = app.current_event.json_body if app.current_event.body else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("viewer"), str) or not body["viewer"].strip():
        raise BadRequestError("viewer: required, the viewer's pseudonymous id or account id (text)")
    try:
        receipt = erasure.erase(viewer_key_of(body["viewer"].strip(), pseudonymise))
    except ErasureError as error:
        raise BadRequestError(str(error)) from None
    metrics.add_metric(name="Erasures", unit=MetricUnit.Count, value=1)
    logger.info("viewer erased", request_id=receipt.request_id, counts=receipt.counts(), complete=receipt.complete)
    return json_response(200 if receipt.complete else 500, {**receipt.to_json(), "receipt_key": receipt.key})


@lambda_entry(logger, metrics, resources.market, tracer=tracer, correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
