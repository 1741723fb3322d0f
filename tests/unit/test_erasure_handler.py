"""The erasure Lambda on moto (in-process), with the sample API event: erased, the receipt back, 400 on bad bodies."""

from __future__ import annotations

import io
import json
import uuid
from contextlib import redirect_stdout
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

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
    """The response, and every line the handler logged (its Logger and Metrics write to stdout)."""
    event = {**EVENT, "body": body if isinstance(body, str) or body is None else json.dumps(body)}
    printed = io.StringIO()
    with redirect_stdout(printed):
        module.logger.registered_handler.setStream(printed)
        response = module.lambda_handler(event, CONTEXT)
    return int(response["statusCode"]), json.loads(response["body"]), printed.getvalue()


def test_the_sample_request_erases_and_returns_the_receipt_without_the_viewer(
    market: tuple[ModuleType, MarketResources],
) -> None:
    module, resources = market
    consent = ConsentStore.for_market(resources)
    consent.record(SAMPLE_VIEWER, Purpose.MARKETING, True, NOW)
    status, body, logs = post(module, json.loads(EVENT["body"]))
    assert status == 200 and body["complete"] is True and body["counts"]["consent"] == 1
    assert consent.records_of(SAMPLE_VIEWER) == []
    stored = boto3.client("s3", region_name=resources.region).get_object(Bucket="eu-lake", Key=body["receipt_key"])
    assert json.loads(stored["Body"].read())["request_id"] == body["request_id"]
    assert SAMPLE_VIEWER not in json.dumps(body) and SAMPLE_VIEWER not in logs and "viewer erased" in logs


def test_a_raw_account_id_is_pseudonymised_in_region_first(market: tuple[ModuleType, MarketResources]) -> None:
    module, resources = market
    kms = boto3.client("kms", region_name=resources.region)
    pseudonym = KmsPseudonymiser(kms, resources.pseudonym_key_id)("account-4711")
    consent = ConsentStore.for_market(resources)
    consent.record(pseudonym, Purpose.ANALYTICS, True, NOW)
    status, body, logs = post(module, {"viewer": "account-4711"})
    assert status == 200 and body["counts"]["consent"] == 1 and consent.records_of(pseudonym) == []
    assert "account-4711" not in logs and pseudonym not in logs


@pytest.mark.parametrize("body", [None, "not json", {}, {"viewer": ""}, {"viewer": 42}])
def test_bad_bodies_are_a_400_naming_the_field(market: tuple[ModuleType, MarketResources], body: Any) -> None:
    status, answer, _ = post(market[0], body)
    assert status == 400 and answer["message"].startswith("viewer")
