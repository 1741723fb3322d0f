"""The player API in every selling market's template (``components/player_api.py``).

Its table (market key, PITR, TTL), the function's grants (only what joining and serving do), its
environment (its own variables, the stack-wide names read from the runtime parameter), the public
REST API's two validated methods, throttling and the flow role's grant. cdk-nag AwsSolutions runs
on every synth (the fixture's synth would raise on a finding).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_cdk.components.player_api import BURST_LIMIT, RATE_LIMIT
from tests.infra.stacks import (
    SELLING,
    actions,
    function_environment,
    key_arn,
    one,
    resources,
    throttled_stage_log_format,
)


def _statements(raw: dict[str, Any], policy_prefix: str) -> list[dict[str, Any]]:
    _, policy = one(raw, "AWS::IAM::Policy", policy_prefix)
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


@pytest.mark.parametrize("market_id", SELLING)
def test_the_player_table_is_encrypted_recoverable_and_expires(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    _, table = one(raw, "AWS::DynamoDB::Table", "PlayerTable")
    props = table["Properties"]
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["pk", "sk"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["KMSMasterKeyId"] == key_arn(raw)
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    outputs = raw["Outputs"]
    assert {"PlayerTableName", "PlayerApiUrl"} <= set(outputs)


@pytest.mark.parametrize("market_id", SELLING)
def test_the_function_reaches_only_what_joining_and_serving_use(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    table_id, _ = one(raw, "AWS::DynamoDB::Table", "PlayerTable")
    [consent_id] = [k for k in resources(raw, "AWS::DynamoDB::Table") if k.startswith("TablesConsent")]
    dynamodb = [
        s for s in _statements(raw, "PlayerRoleDefaultPolicy") if any(a.startswith("dynamodb:") for a in actions(s))
    ]
    by_table = {json.dumps(s["Resource"]): actions(s) for s in dynamodb}
    assert by_table == {
        json.dumps({"Fn::GetAtt": [table_id, "Arn"]}): {
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
        },
        json.dumps({"Fn::GetAtt": [consent_id, "Arn"]}): {"dynamodb:BatchGetItem"},
    }
    _, function = one(raw, "AWS::Lambda::Function", "PlayerFunction")
    own = set(function["Properties"]["Environment"]["Variables"])  # the stack-wide names: the runtime parameter
    assert own == {"MARKET", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "RUNTIME_PARAMETER"}
    variables = function_environment(raw, function["Properties"])
    assert {"PLAYER_TABLE", "CONSENT_TABLE", "MARKET_CONFIG"} <= set(variables)
    assert (variables["PLAYER_TABLE"], variables["CONSENT_TABLE"]) == ({"Ref": table_id}, {"Ref": consent_id})


@pytest.mark.parametrize("market_id", SELLING)
def test_the_api_is_throttled_and_validates_both_methods(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    log_format = throttled_stage_log_format(raw, "PlayerApi", RATE_LIMIT, BURST_LIMIT)
    assert "sourceIp" not in log_format and "queryString" not in log_format
    methods = {
        m["Properties"]["HttpMethod"]: m["Properties"]
        for k, m in resources(raw, "AWS::ApiGateway::Method").items()
        if k.startswith("PlayerApi")
    }
    assert set(methods) == {"GET", "POST"}
    assert methods["GET"]["RequestParameters"] == {
        "method.request.querystring.session": True,
        "method.request.querystring.viewer": True,
    }
    assert "application/json" in methods["POST"]["RequestModels"]
    assert all("RequestValidatorId" in props for props in methods.values())
    one(raw, "AWS::ApiGateway::UsagePlan", "PlayerApi")


@pytest.mark.parametrize("market_id", SELLING)
def test_the_flow_role_reads_and_writes_the_player_table(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    table_id, _ = one(raw, "AWS::DynamoDB::Table", "PlayerTable")
    policies = [p for k, p in resources(raw, "AWS::IAM::Policy").items() if k.startswith("FlowsRole")]
    granted = [
        s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]
        if {"Fn::GetAtt": [table_id, "Arn"]} in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]  # fmt: skip
    assert granted and {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchWriteItem"} <= set().union(
        *map(actions, granted)
    )
