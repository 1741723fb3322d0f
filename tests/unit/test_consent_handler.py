"""The consent function against an in-process moto: consent from the player's stream (source player, the
record's time) and activity kept per batch; POST /consent (source site, server time, refusals that name
the field and never echo the value); POST /consent/unsubscribe (the viewer from the delivery's record)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
import pytest

from livebase.markets.config import load_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase.privacy.consent import Purpose, Source
from livebase.stores.consent import ConsentStore
from livebase.stores.recall import RecallLake
from livebase_local.runner.functions import load_handler
from tests.support.lambda_events import lambda_context, sample
from tests.support.tables import string_keyed_table

SEA = load_markets()["sea"]
SAMPLE_VIEWER = "v_af6ca00165c7e0826cf223a1bf6b7450"  # events/kinesis_consent_changed.json
CONTEXT = lambda_context("livebase-sea-consent", SEA.region)


class Consent:
    def __init__(self) -> None:
        region = SEA.region
        names = {field: f"sea-{field}" for field in OUTPUTS}
        names["consent_table"] = string_keyed_table(boto3.client("dynamodb", region_name=region), "consent",
                                                    "viewer_key", "purpose")  # fmt: skip
        names["data_lake_bucket"] = f"lake-{uuid.uuid4().hex[:8]}"
        boto3.client("s3", region_name=region).create_bucket(
            Bucket=names["data_lake_bucket"], CreateBucketConfiguration={"LocationConstraint": region}
        )
        kms = boto3.client("kms", region_name=region)
        names["pseudonym_key_id"] = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"][
            "KeyId"
        ]
        dlq = boto3.client("sqs", region_name=region).create_queue(QueueName=f"consent-dlq-{uuid.uuid4().hex[:6]}")
        self.resources = MarketResources(market="sea", region=region, **names)
        self.store = ConsentStore(boto3.client("dynamodb", region_name=region), names["consent_table"])
        self.lake = RecallLake(boto3.client("s3", region_name=region), names["data_lake_bucket"], "sea")
        self.module: ModuleType = load_handler(
            "consent", self.resources, container=uuid.uuid4().hex[:8], environment={"CONSENT_DLQ_URL": dlq["QueueUrl"]}
        )[0]

    def post(self, name: str, body: Any) -> tuple[int, dict[str, Any]]:
        event = sample(name)
        event["body"] = json.dumps(body)
        response = self.module.lambda_handler(event, CONTEXT)
        return int(response["statusCode"]), json.loads(response["body"])


@pytest.fixture
def consent(aws: Any) -> Consent:
    return Consent()


def test_consent_from_the_stream_is_kept_with_source_player_and_the_records_time(consent: Consent) -> None:
    response = consent.module.lambda_handler(sample("kinesis_consent_changed"), CONTEXT)
    assert response == {"batchItemFailures": []}
    [change] = consent.store.history_of(SAMPLE_VIEWER)
    assert (change.purpose, change.granted, change.source) == (Purpose.MARKETING, True, Source.PLAYER)
    assert change.at == datetime(2026, 11, 11, 4, 2, 12, 380000, tzinfo=UTC)


def test_activity_of_a_batch_is_kept_in_region_naming_its_viewers(consent: Consent) -> None:
    assert consent.module.lambda_handler(sample("kinesis_viewer_joined"), CONTEXT) == {"batchItemFailures": []}
    rows = list(consent.lake.activity(datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date()))
    assert len(rows) == 1 and rows[0]["viewer"].startswith("v_") and len(rows[0]["joins"]) == 1


def test_sites_record_consent_with_source_site_at_the_requests_time(consent: Consent) -> None:
    status, body = consent.post("apigateway_post_consent", {"viewer": "account-42", "purpose": "analytics",
                                                            "granted": True})  # fmt: skip
    assert status == 200 and body == {"purpose": "analytics", "granted": True, "recorded": True}
    [viewer] = {item["viewer_key"]["S"] for item in consent.store._scan()}  # pseudonymised in-region
    assert viewer.startswith("v_") and "account-42" not in viewer
    [change] = consent.store.history_of(viewer)
    assert change.source is Source.SITE and change.at == datetime.fromtimestamp(1764756000, UTC)  # API Gateway's


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"viewer": "someone@example.com", "purpose": "marketing", "granted": True}, "viewer"),
        ({"viewer": "v_00112233445566778899aabbccddeeff", "purpose": "+65 9123 4567", "granted": True}, "purpose"),
        ({"viewer": "v_00112233445566778899aabbccddeeff", "purpose": "marketing", "granted": "yes"}, "granted"),
    ],
)
def test_bad_requests_name_the_field_and_never_echo_the_value(consent: Consent, body: Any, field: str) -> None:
    status, answer = consent.post("apigateway_post_consent", body)
    assert status == 400 and answer["message"].startswith(f"{field}:")
    assert "example.com" not in answer["message"] and "9123" not in answer["message"]


def test_unsubscribe_withdraws_the_viewer_of_the_delivery_from_our_own_record(consent: Consent) -> None:
    delivery = "20261203-0123456789abcdef01234567"
    consent.store.record(
        SAMPLE_VIEWER, Purpose.MARKETING, True, datetime(2025, 12, 1, tzinfo=UTC)
    )  # before the request
    consent.lake.put_delivery(datetime(2026, 12, 3).date(), {"entries": [
        {"viewer": SAMPLE_VIEWER, "group": "recalled", "delivery": delivery},
    ]})  # fmt: skip
    status, _ = consent.post("apigateway_post_consent_unsubscribe", {"delivery": delivery})
    assert status == 200 and not consent.store.granted(SAMPLE_VIEWER, Purpose.MARKETING)
    assert consent.store.history_of(SAMPLE_VIEWER)[-1].source is Source.UNSUBSCRIBE
    for forged in ("20261203-" + "f" * 24, "../../x", "20261203-0123456789abcdef0123456"):
        assert consent.post("apigateway_post_consent_unsubscribe", {"delivery": forged})[0] == 404
