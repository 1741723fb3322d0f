"""Retention and consent on the synthesised templates: every personal store expires, per the market config."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from livebase.markets.config import load_markets, selling_markets
from livebase.privacy.retention import lake_rules
from tests.infra.conftest import Synthesised
from tests.infra.stacks import function_environment

PERSONAL_TABLES = ("Orders", "Idempotency", "RoomMetrics", "Consent")  # items name a viewer
MARKETS = load_markets()
SELLING = [m.id for m in selling_markets(MARKETS)]


def _resources(synthesised: Synthesised, market_id: str, kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in synthesised.raw(market_id)["Resources"].items() if r["Type"] == kind}


def _table(synthesised: Synthesised, market_id: str, name: str) -> dict[str, Any]:
    tables = _resources(synthesised, market_id, "AWS::DynamoDB::Table")
    (found,) = [r for k, r in tables.items() if k.startswith(f"Tables{name}")]
    return found["Properties"]


@pytest.mark.parametrize("market_id", SELLING)
def test_every_personal_table_expires_and_is_encrypted_with_the_market_key(
    synthesised: Synthesised, market_id: str
) -> None:
    for name in PERSONAL_TABLES:
        props = _table(synthesised, market_id, name)
        assert props["TimeToLiveSpecification"]["Enabled"] is True, name
        assert props["SSESpecification"]["SSEEnabled"] is True and "KMSMasterKeyId" in props["SSESpecification"]
    assert _table(synthesised, market_id, "Orders")["TimeToLiveSpecification"]["AttributeName"] == "expires_at"


@pytest.mark.parametrize("market_id", SELLING)
def test_consent_table_keys_and_output(synthesised: Synthesised, market_id: str) -> None:
    props = _table(synthesised, market_id, "Consent")
    assert props["KeySchema"] == [
        {"AttributeName": "viewer_key", "KeyType": "HASH"},
        {"AttributeName": "purpose", "KeyType": "RANGE"},
    ]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert "ConsentTableName" in synthesised.raw(market_id)["Outputs"]


@pytest.mark.parametrize("market_id", SELLING)
def test_data_lake_expires_personal_prefixes_per_market_config(synthesised: Synthesised, market_id: str) -> None:
    expected = lake_rules(MARKETS[market_id])
    assert {r.prefix for r in expected} >= {"quarantine/", "recall/"}
    template = synthesised.template(market_id)
    rules = [
        Match.object_like(
            {
                "Id": r.rule_id,
                "Prefix": r.prefix,
                "ExpirationInDays": r.days,
                "NoncurrentVersionExpiration": Match.any_value(),
                "Status": "Enabled",
            }
        )
        for r in expected
    ]
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {"Rules": Match.array_with(rules)},
            "VersioningConfiguration": {"Status": "Enabled"},
        },
    )


def test_eu_keeps_less_than_the_defaults(synthesised: Synthesised) -> None:
    eu = {r["Id"]: r for b in _resources(synthesised, "eu", "AWS::S3::Bucket").values()
          for r in b["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])}  # fmt: skip
    assert eu["expire-quarantine"]["ExpirationInDays"] == 14 and eu["expire-recall-lists"]["ExpirationInDays"] == 30
    assert eu["expire-quarantine"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1


def test_hq_holds_no_personal_store(synthesised: Synthesised) -> None:
    assert _resources(synthesised, "hq", "AWS::DynamoDB::Table") == {}
    ids = {r["Id"] for b in _resources(synthesised, "hq", "AWS::S3::Bucket").values()
           for r in b["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])}  # fmt: skip
    assert not ids & {"expire-quarantine", "expire-recall-lists"}


@pytest.mark.parametrize("market_id", SELLING)
def test_each_selling_market_has_its_own_single_region_hmac_pseudonym_key(
    synthesised: Synthesised, market_id: str
) -> None:
    keys = [r["Properties"] for r in _resources(synthesised, market_id, "AWS::KMS::Key").values()]
    (hmac_key,) = [k for k in keys if k.get("KeySpec") == "HMAC_256"]
    assert hmac_key["KeyUsage"] == "GENERATE_VERIFY_MAC" and hmac_key.get("MultiRegion", False) is False
    assert "PseudonymKeyId" in synthesised.raw(market_id)["Outputs"]


@pytest.mark.parametrize("market_id", SELLING)
def test_the_erasure_api_is_iam_authorised_and_its_function_reaches_only_what_erasure_touches(
    synthesised: Synthesised, market_id: str
) -> None:
    raw = synthesised.raw(market_id)
    [api_id] = [k for k in _resources(synthesised, market_id, "AWS::ApiGateway::RestApi") if k.startswith("Erasure")]
    methods = [r["Properties"] for r in _resources(synthesised, market_id, "AWS::ApiGateway::Method").values()]
    erasure = [m for m in methods if m["RestApiId"] == {"Ref": api_id}]  # POST /erasures, GET /erasures/{receipt}
    assert sorted(m["HttpMethod"] for m in erasure) == ["GET", "POST"]
    assert all(m["AuthorizationType"] == "AWS_IAM" for m in erasure)
    (function,) = [r["Properties"] for r in _resources(synthesised, market_id, "AWS::Lambda::Function").values()
                   if r["Properties"].get("FunctionName") == f"livebase-{market_id}-erasure"]  # fmt: skip
    env = function_environment(raw, function)
    assert {"CONSENT_TABLE", "PSEUDONYM_KEY_ID", "ORDERS_TABLE", "DATA_LAKE_BUCKET", "MARKET_CONFIG"} <= set(env)
    policies = [r["Properties"] for k, r in _resources(synthesised, market_id, "AWS::IAM::Policy").items()
                if k.startswith("ErasureRole")]  # fmt: skip
    text = json.dumps(policies)
    assert "kms:GenerateMac" in text and "s3:PutObject" in text
    assert f"quarantine/{market_id}/*" in text and f"erasure/{market_id}/*" in text and '"s3:*"' not in text
    tables = {ref["Fn::GetAtt"][0] for p in policies for s in p["PolicyDocument"]["Statement"]
              for ref in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
              if isinstance(ref, dict) and "Fn::GetAtt" in ref
              and ref["Fn::GetAtt"][0].startswith("Tables")}  # fmt: skip
    assert {t.removeprefix("Tables").rstrip("0123456789ABCDEF") for t in tables} == set(PERSONAL_TABLES)
    assert "ErasureApiUrl" in raw["Outputs"]
