"""The passport API and the signed intake on moto (in-process), fed the sample events in events/.

API: ``GET /passport/{batch}`` gives the events and their verification in the market's languages,
a tampered chain is served as not verified with the finding named, a bad batch id is a 400 naming
the field, an unknown batch a 404. Intake: a good signed event is appended once (also when
redelivered); a bad signature, an unsigned event and an unknown supplier go to the DLQ with the
reason and are acknowledged.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from livebase.batches.quarantine import CONDITION_ATTRIBUTE, REASON_ATTRIBUTE
from livebase.markets.config import load_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase.passport.service import anchor_day
from livebase.passport.signing import NOT_THE_SIGNER, sign
from livebase.stores.anchors import AnchorStore
from livebase.stores.ledger import LedgerStore
from livebase_local.runner.functions import load_handler
from tests.support.tables import string_keyed_table
from tests.unit.passport_samples import batch_events

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
KEY = bytes.fromhex("5eed" * 16)  # the key events/sqs_passport_supply_event.json is signed with
SAMPLE_SUPPLIER, SAMPLE_BATCH = "sup-lyon-02", "EU-BATCH-0042"
CONTEXT = SimpleNamespace(
    function_name="livebase-test", memory_limit_in_mb=512, aws_request_id="req-1",
    invoked_function_arn="arn:aws:lambda:eu-central-1:123456789012:function:livebase-test",
)  # fmt: skip


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS_DIR / f"{name}.json").read_text()))


class PassportMarket:
    """eu's passport resources in moto: ledger, anchor bucket (Object Lock), DLQ, supplier keys."""

    def __init__(self) -> None:
        region = load_markets()["eu"].region
        self.dynamodb, self.sqs = boto3.client("dynamodb", region_name=region), boto3.client("sqs", region_name=region)
        names = {field: f"eu-{field}" for field in OUTPUTS}
        names["passport_ledger_table"] = string_keyed_table(self.dynamodb, "ledger", "pk", "sk")
        names["passport_intake_dlq_url"] = self.sqs.create_queue(QueueName=f"intake-dlq-{uuid.uuid4().hex[:6]}")[
            "QueueUrl"
        ]
        self.s3 = boto3.client("s3", region_name=region)
        self.s3.create_bucket(
            Bucket="eu-anchors", ObjectLockEnabledForBucket=True,
            CreateBucketConfiguration={"LocationConstraint": region},
        )  # fmt: skip
        names["passport_anchor_bucket"] = "eu-anchors"
        names["passport_supplier_keys_secret"] = "livebase/eu/passport/supplier-keys"
        keys = {SAMPLE_SUPPLIER: KEY.hex(), "sup-shenzhen-01": KEY.hex()}
        boto3.client("secretsmanager", region_name=region).create_secret(
            Name=names["passport_supplier_keys_secret"], SecretString=json.dumps(keys)
        )
        self.resources = MarketResources(market="eu", region=region, **names)
        self.ledger = LedgerStore(self.dynamodb, names["passport_ledger_table"])
        self.anchors = AnchorStore(self.s3, "eu-anchors")

    def handler(self, function: str) -> ModuleType:
        return load_handler(function, self.resources, container=uuid.uuid4().hex[:8])[0]

    def dead_letters(self) -> list[dict[str, Any]]:
        url = self.resources.passport_intake_dlq_url
        return self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get(
            "Messages", []
        )


@pytest.fixture
def market(monkeypatch: pytest.MonkeyPatch) -> Iterator[PassportMarket]:
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield PassportMarket()


def sqs_event(*bodies: str) -> dict[str, Any]:
    template = sample("sqs_passport_supply_event")["Records"][0]
    return {"Records": [{**copy.deepcopy(template), "messageId": str(uuid.uuid4()), "body": b} for b in bodies]}


def get(module: ModuleType, batch: str) -> tuple[int, dict[str, Any]]:
    event = sample("apigateway_get_passport")
    event["path"] = f"/passport/{batch}"
    event["pathParameters"] = {"batch": batch}
    response = module.lambda_handler(event, CONTEXT)
    return int(response["statusCode"]), json.loads(response["body"])


def test_the_sample_event_is_admitted_and_appended_once(market: PassportMarket) -> None:
    intake = market.handler("passport_intake")
    event = sample("sqs_passport_supply_event")
    assert intake.lambda_handler(event, CONTEXT) == {"batchItemFailures": []}
    assert intake.lambda_handler(event, CONTEXT) == {"batchItemFailures": []}  # redelivered
    entries = market.ledger.entries(SAMPLE_BATCH)
    assert [(e.seq, e.event_id) for e in entries] == [(0, f"{SAMPLE_BATCH}-qc1")]
    assert market.dead_letters() == []


def test_bad_unsigned_and_unknown_supplier_events_are_refused_with_a_reason(market: PassportMarket) -> None:
    intake = market.handler("passport_intake")
    good = json.loads(sample("sqs_passport_supply_event")["Records"][0]["body"])
    forged = {**good, "event": {**good["event"], "result": "fail"}}
    unsigned = {**good, "signature": None}
    stranger = {**good, "supplier_id": "sup-unknown-9"}
    other_signer = sign(batch_events()[0], KEY).model_dump(mode="json") | {"supplier_id": SAMPLE_SUPPLIER}
    bodies = [json.dumps(b) for b in (forged, unsigned, stranger, other_signer)] + ["not json"]
    assert intake.lambda_handler(sqs_event(*bodies), CONTEXT) == {"batchItemFailures": []}
    letters = {m["Body"]: m["MessageAttributes"] for m in market.dead_letters()}
    assert set(letters) == set(bodies)  # every refused message kept unchanged for review
    reasons = [letters[b][REASON_ATTRIBUTE]["StringValue"] for b in bodies]
    assert reasons[:4] == ["bad signature", "unsigned event", "unknown supplier", NOT_THE_SIGNER]
    assert reasons[4].startswith("body: ")  # not JSON: the parser model's reason
    conditions = [letters[b][CONDITION_ATTRIBUTE]["StringValue"] for b in bodies]
    assert conditions == ["Refused"] * 4 + ["ValidationFailed"]
    assert market.ledger.entries(SAMPLE_BATCH) == []


def test_the_api_serves_a_verified_anchored_passport_in_the_markets_languages(market: PassportMarket) -> None:
    now = datetime.now(UTC)
    for event in batch_events(batch=SAMPLE_BATCH, supplier=SAMPLE_SUPPLIER):
        market.ledger.append(event, now)
    api = market.handler("passport")
    status, body = get(api, SAMPLE_BATCH)
    assert status == 200 and body["verification"]["status"] == "verified_pending_anchor"
    anchor_day(market.ledger, market.anchors, "eu", now.date().isoformat(), now + timedelta(days=1))
    status, body = get(api, SAMPLE_BATCH)
    assert status == 200
    verification = body["verification"]
    assert verification["status"] == "verified" and verification["findings"] == []
    assert verification["label"] == {"de": "Verifiziert", "fr": "Vérifié", "en": "Verified"}
    assert verification["anchor"]["included"] and verification["anchor"]["length"] == 6
    assert [e["kind"] for e in body["events"]][:2] == ["origin", "qc_certificate"]
    assert body["events"][0]["label"]["de"] == "Herkunft"
    assert body["events"][1]["details"]["document_sha256"] == "ab" * 32


def test_a_tampered_chain_is_served_as_not_verified_naming_the_entry(market: PassportMarket) -> None:
    now = datetime.now(UTC)
    for event in batch_events(batch=SAMPLE_BATCH, supplier=SAMPLE_SUPPLIER):
        market.ledger.append(event, now)
    key = {"pk": {"S": f"batch#{SAMPLE_BATCH}"}, "sk": {"S": "entry#0000000001"}}
    stored = json.loads(market.dynamodb.get_item(TableName=market.ledger.table, Key=key)["Item"]["event"]["S"])
    stored["result"] = "fail"
    market.dynamodb.update_item(
        TableName=market.ledger.table, Key=key, UpdateExpression="SET #e = :e",
        ExpressionAttributeNames={"#e": "event"}, ExpressionAttributeValues={":e": {"S": json.dumps(stored)}},
    )  # fmt: skip
    status, body = get(market.handler("passport"), SAMPLE_BATCH)
    assert status == 200 and body["verification"]["status"] == "not_verified"
    [finding] = body["verification"]["findings"]
    assert (finding["kind"], finding["seq"], finding["event_id"]) == ("tampered", 1, f"{SAMPLE_BATCH}-e1")
    assert finding["label"]["fr"] == "Entrée modifiée"


def test_a_bad_batch_id_is_a_400_naming_the_field_and_an_unknown_one_a_404(market: PassportMarket) -> None:
    api = market.handler("passport")
    status, body = get(api, "not a batch")
    assert status == 400 and body["message"].startswith("batch:")
    status, body = get(api, "EU-BATCH-9999")
    assert status == 404
