"""The erasure Lambda on moto (in-process), with the sample API event: erased, the receipt back, 400 on bad bodies."""

from __future__ import annotations

import io
import json
import uuid
from contextlib import redirect_stdout
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from unittest.mock import ANY

import boto3
import pytest

from livebase.markets.config import load_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase.privacy.consent import Purpose
from livebase.privacy.pseudonyms import KmsPseudonymiser
from livebase.stores.consent import ConsentStore
from livebase_local.runner.functions import load_handler
from tests.support.lambda_events import ERASURE_CONTEXT as CONTEXT
from tests.support.lambda_events import ERASURE_EVENT as EVENT
from tests.support.tables import string_keyed_table

SAMPLE_VIEWER = json.loads(EVENT["body"])["viewer"]
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def market(aws: Any) -> tuple[ModuleType, MarketResources]:
    """The erasure handler over eu's stores in the in-process moto ``aws`` started."""
    region = load_markets()["eu"].region
    dynamodb, s3 = boto3.client("dynamodb", region_name=region), boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket="eu-lake", CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket="eu-lake", VersioningConfiguration={"Status": "Enabled"})
    key = boto3.client("kms", region_name=region).create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    names = {field: f"eu-{field}" for field in OUTPUTS} | {
        "data_lake_bucket": "eu-lake", "pseudonym_key_id": key["KeyMetadata"]["KeyId"],
        "orders_table": string_keyed_table(dynamodb, "orders", "order_id"),
        "idempotency_table": string_keyed_table(dynamodb, "idempotency", "id"),
        "consent_table": string_keyed_table(dynamodb, "consent", "viewer_key", "purpose"),
        "room_metrics_table": string_keyed_table(dynamodb, "room", "pk", "sk"),
    }  # fmt: skip
    resources = MarketResources(market="eu", region=region, **names)
    return load_handler("erasure", resources, container=uuid.uuid4().hex[:8])[0], resources


def post(module: ModuleType, body: Any) -> tuple[int, dict[str, Any], str]:
    """The response, and every line the handler logged (its Logger and Metrics write to stdout).

    The worker's asynchronous invocation is held (``module.queued``), for :func:`run_queued`."""
    queued: list[dict[str, str]] = []
    vars(module).update(queued=queued, dispatch=queued.append)  # the handler's asynchronous invoke, held
    event = {**EVENT, "body": body if isinstance(body, str) or body is None else json.dumps(body)}
    return _call(module, event)


def _call(module: ModuleType, event: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
    printed = io.StringIO()
    with redirect_stdout(printed):
        module.logger.registered_handler.setStream(printed)
        response = module.lambda_handler(event, CONTEXT)
    return int(response["statusCode"]), json.loads(response["body"]), printed.getvalue()


def status_of(module: ModuleType, receipt: str) -> tuple[int, dict[str, Any]]:
    event = {**EVENT, "httpMethod": "GET", "resource": "/erasures/{receipt}", "path": f"/erasures/{receipt}",
             "pathParameters": {"receipt": receipt}, "body": None}  # fmt: skip
    status, body, _ = _call(module, event)
    return status, body


def run_queued(module: ModuleType) -> str:
    """The worker's invocation, in-process (Lambda would run it asynchronously); what it logged."""
    [request] = module.queued
    printed = io.StringIO()
    with redirect_stdout(printed):
        module.logger.registered_handler.setStream(printed)
        module.lambda_handler({module.WORKER_EVENT: request}, CONTEXT)
    return printed.getvalue()


def test_the_sample_request_is_answered_202_then_erased_by_the_worker(
    market: tuple[ModuleType, MarketResources],
) -> None:
    module, resources = market
    consent = ConsentStore.for_market(resources)
    consent.record(SAMPLE_VIEWER, Purpose.MARKETING, True, NOW)
    status, body, logs = post(module, json.loads(EVENT["body"]))
    assert status == 202 and body["status"] == "queued" and consent.records_of(SAMPLE_VIEWER)  # nothing erased yet
    assert status_of(module, body["receipt"]) == (200, {"receipt": body["receipt"], "status": "queued",
                                                        "at": ANY, "requested_at": ANY})  # fmt: skip
    worker_logs = run_queued(module)
    answer = status_of(module, body["receipt"])[1]
    assert answer["status"] == "complete" and answer["counts"]["consent"] == 1
    assert consent.records_of(SAMPLE_VIEWER) == []
    key = f"erasure/eu/{body['receipt']}.json"
    stored = boto3.client("s3", region_name=resources.region).get_object(Bucket="eu-lake", Key=key)
    assert json.loads(stored["Body"].read())["request_id"] == body["receipt"]
    assert "viewer erased" in worker_logs and "erasure queued" in logs
    for text in (json.dumps(body), json.dumps(answer), logs, worker_logs):
        assert SAMPLE_VIEWER not in text


def test_a_viewer_no_store_holds_is_nothing_found(market: tuple[ModuleType, MarketResources]) -> None:
    module, _ = market
    _, body, _ = post(module, {"viewer": "v_" + "ab" * 16})
    run_queued(module)
    assert status_of(module, body["receipt"])[1]["status"] == "nothing found"


def test_a_receipt_unknown_or_malformed(market: tuple[ModuleType, MarketResources]) -> None:
    module, _ = market
    assert status_of(module, "20261201T000000Z-0123456789ab")[0] == 404
    status, body = status_of(module, "not-a-receipt")
    assert status == 400 and body["message"].startswith("receipt")


def test_a_raw_account_id_is_pseudonymised_in_region_first(market: tuple[ModuleType, MarketResources]) -> None:
    module, resources = market
    kms = boto3.client("kms", region_name=resources.region)
    pseudonym = KmsPseudonymiser(kms, resources.pseudonym_key_id)("account-4711")
    consent = ConsentStore.for_market(resources)
    consent.record(pseudonym, Purpose.ANALYTICS, True, NOW)
    status, body, logs = post(module, {"viewer": "account-4711"})
    assert status == 202 and module.queued[0]["viewer_key"] == pseudonym  # only the pseudonym is queued
    logs += run_queued(module)
    assert status_of(module, body["receipt"])[1]["counts"]["consent"] == 1 and consent.records_of(pseudonym) == []
    assert "account-4711" not in logs and pseudonym not in logs


@pytest.mark.parametrize("body", [None, "not json", {}, {"viewer": ""}, {"viewer": 42}])
def test_bad_bodies_are_a_400_naming_the_field(market: tuple[ModuleType, MarketResources], body: Any) -> None:
    status, answer, _ = post(market[0], body)
    assert status == 400 and answer["message"].startswith("viewer")
