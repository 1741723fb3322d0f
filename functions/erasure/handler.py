"""Erasure Lambda: ``POST /erasures`` and ``GET /erasures/{receipt}`` on the market's IAM-authorised REST API,
and the erasure itself, run asynchronously by the same function.

An erasure scans every store of the market (minutes), API Gateway waits 29 s: ``POST`` validates
the body ``{"viewer": "<pseudonymous id or the raw account id>"}``, pseudonymises a raw id here,
in the market's region, with the market's HMAC key (``GenerateMac``), records the request as
queued (``livebase.stores.erasure.ErasureRequests``), invokes this function asynchronously with
the pseudonymous key (``InvocationType=Event``, same Region) and answers ``202`` with the receipt
id. That invocation (``{"erasure_request": ...}``, never from API Gateway) marks it running and
runs ``ViewerErasure``, which writes the receipt to the data lake. ``GET /erasures/{receipt}``
answers its status: queued, running, complete, nothing found (or incomplete / failed), with the
receipt once written. No answer or log line names the viewer (``livebase.privacy.masking``).
Only callers with ``execute-api:Invoke`` get here (AWS_IAM authorisation): the privacy team's
role, not the public. A request without the signed caller API Gateway adds (a misconfigured
method, a direct invoke) is refused with 403 before the body is read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, ForbiddenError, NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import retry_config
from livebase.lambda_entry import json_response, lambda_entry
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.privacy.erasure import ErasureError, check_receipt_id, viewer_key_of
from livebase.privacy.masking import masked_logger
from livebase.privacy.pseudonyms import KmsPseudonymiser
from livebase.stores.erasure import ErasureRequests, ViewerErasure

# Cold start: the market's names and config, from the stack's environment; clients of its region.
resources = MarketResources.from_environment()
market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
session = boto3.Session(region_name=resources.region)
erasure = ViewerErasure(market, resources, session)
pseudonymise = KmsPseudonymiser(session.client("kms", config=retry_config(3)), resources.pseudonym_key_id)
requests = ErasureRequests(session.client("s3", config=retry_config(3)), resources.data_lake_bucket, market.id)
lambda_client = session.client("lambda", config=retry_config(3))
WORKER_EVENT = "erasure_request"  # an asynchronous invocation of this function by itself, not an API request


def invoke_worker(request: dict[str, str]) -> None:
    """Run the erasure in an asynchronous invocation of this same function (Lambda queues and retries it)."""
    lambda_client.invoke(
        FunctionName=os.environ["AWS_LAMBDA_FUNCTION_NAME"],
        InvocationType="Event",
        Payload=json.dumps({WORKER_EVENT: request}).encode("utf-8"),
    )


dispatch: Callable[[dict[str, str]], None] = invoke_worker  # replaced by tests, which run the worker in-process

logger = masked_logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()


def _require_signed_caller() -> None:
    identity = (app.current_event.raw_event.get("requestContext") or {}).get("identity") or {}
    if not identity.get("userArn"):  # defence in depth behind AWS_IAM: API Gateway sets it for signed calls
        raise ForbiddenError("caller: an IAM-signed request is required (AWS_IAM authorisation); none was seen")


@app.post("/erasures")
@tracer.capture_method(capture_response=False)
def post_erasure() -> Response[dict[str, Any]]:
    _require_signed_caller()
    try:
        body = app.current_event.json_body if app.current_event.body else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("viewer"), str) or not body["viewer"].strip():
        raise BadRequestError("viewer: required, the viewer's pseudonymous id or account id (text)")
    try:
        viewer_key = viewer_key_of(body["viewer"].strip(), pseudonymise)
    except ErasureError as error:
        raise BadRequestError(str(error)) from None
    at = datetime.now(UTC)
    receipt_id = requests.queue(viewer_key, at)
    dispatch({"viewer_key": viewer_key, "requested_at": at.isoformat(), "receipt": receipt_id})
    metrics.add_metric(name="ErasuresQueued", unit=MetricUnit.Count, value=1)
    logger.info("erasure queued", receipt=receipt_id)
    return json_response(202, {"receipt": receipt_id, "status": "queued", "status_path": f"/erasures/{receipt_id}"})


@app.get("/erasures/<receipt>")
@tracer.capture_method(capture_response=False)
def get_erasure(receipt: str) -> Response[dict[str, Any]]:
    _require_signed_caller()
    try:
        status = requests.status(check_receipt_id(receipt))
    except ErasureError as error:
        raise BadRequestError(str(error)) from None
    if status is None:
        raise NotFoundError(f"receipt: no erasure request {receipt} in {market.id}")
    return json_response(200, status)


def run_erasure(request: dict[str, str]) -> dict[str, Any]:
    """The worker: the queued request's erasure, its receipt written to the lake (a retry writes the same one)."""
    receipt_id = request["receipt"]
    requests.mark_running(receipt_id)
    try:
        receipt = erasure.erase(request["viewer_key"], now=datetime.fromisoformat(request["requested_at"]))
    except Exception as error:
        requests.mark_failed(receipt_id, type(error).__name__)  # the kind only: a message may quote data
        raise
    metrics.add_metric(name="Erasures", unit=MetricUnit.Count, value=1)
    logger.info("viewer erased", request_id=receipt.request_id, counts=receipt.counts(), complete=receipt.complete)
    return {"receipt": receipt.request_id, "complete": receipt.complete, "found": receipt.found}


@lambda_entry(logger, metrics, resources.market, tracer=tracer, correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if WORKER_EVENT in event:
        return run_erasure(event[WORKER_EVENT])
    return app.resolve(event, context)
