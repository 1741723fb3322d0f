"""The passport API and the signed intake on moto (in-process), fed the sample events in events/.

API: ``GET /passport/{batch}`` gives the events and their verification in the market's languages,
a tampered chain is served as not verified with the finding named, a bad batch id is a 400 naming
the field, an unknown batch a 404. Intake: a good signed event is appended once (also when
redelivered); a bad signature, an unsigned event and an unknown supplier go to the DLQ with the
reason and are acknowledged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from livebase.batches.quarantine import CONDITION_ATTRIBUTE, REASON_ATTRIBUTE
from livebase.passport.service import anchor_day
from livebase.passport.signing import NOT_THE_SIGNER, sign
from tests.support.lambda_events import CONTEXT, sample, with_bodies
from tests.support.passport import KEY, SAMPLE_BATCH, SAMPLE_SUPPLIER, PassportMarket, batch_events, get


@pytest.fixture
def market(aws: Any) -> PassportMarket:
    return PassportMarket()  # in the in-process moto ``aws`` started


def sqs_event(*bodies: str) -> dict[str, Any]:
    return with_bodies(sample("sqs_passport_supply_event"), *bodies)


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
