"""Consent and recall in the synthesised market stacks: the consent consumer's filter and grants, the
IAM-authorised consent API, the recall topic (KMS, TLS) and what the flow role may do with it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_cdk.components.recall import CONSENT_TYPES
from tests.infra.stacks import SELLING, as_list, consumer, function_environment, key_arn, live_stream, resources


def statements_of(raw: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    return [
        s
        for p in resources(raw, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in as_list(s["Action"])}


@pytest.mark.parametrize("market_id", SELLING)
def test_consent_consumer_takes_consent_and_activity_only_and_reaches_only_its_stores(synthesised, market_id) -> None:
    raw = synthesised.raw(market_id)
    function_id, props = consumer(raw, "consent")
    [mapping] = [
        m["Properties"] for m in resources(raw, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function_id}
    ]  # fmt: skip
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [live_stream(raw)[0], "Arn"]}
    [pattern] = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == {"data": {"type": list(CONSENT_TYPES)}}
    assert "order_placed" not in CONSENT_TYPES and "consent_changed" in CONSENT_TYPES
    assert {"CONSENT_DLQ_URL", "CONSENT_TABLE", "MARKET_CONFIG"} <= set(function_environment(raw, props))
    role_id = props["Role"]["Fn::GetAtt"][0]
    statements = statements_of(raw, role_id)
    granted = actions(statements)
    assert "kms:GenerateMac" in granted and "dynamodb:PutItem" in granted
    assert not any(a.startswith(("sns:", "events:", "lambda:Invoke")) for a in granted)
    tables = {json.dumps(r) for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
              for r in as_list(s["Resource"])}  # fmt: skip
    consent_table = [k for k in resources(raw, "AWS::DynamoDB::Table") if k.startswith("TablesConsent")]
    assert tables and tables <= {
        json.dumps({"Fn::GetAtt": [consent_table[0], "Arn"]}), json.dumps({"Ref": "AWS::NoValue"})
    }  # fmt: skip


@pytest.mark.parametrize("market_id", SELLING)
def test_consent_api_is_iam_authorised_and_validated(synthesised, market_id) -> None:
    raw = synthesised.raw(market_id)
    apis = {k: a for k, a in resources(raw, "AWS::ApiGateway::RestApi").items() if k.startswith("Recall")}
    assert [a["Properties"]["Name"] for a in apis.values()] == [f"livebase-{market_id}-consent"]
    methods = [m["Properties"] for k, m in resources(raw, "AWS::ApiGateway::Method").items() if k.startswith("Recall")]
    assert sorted(m["HttpMethod"] for m in methods) == ["POST", "POST"]
    assert all(m["AuthorizationType"] == "AWS_IAM" and "RequestValidatorId" in m for m in methods)
    assert all("RequestModels" in m for m in methods)


@pytest.mark.parametrize("market_id", SELLING)
def test_recall_topic_is_encrypted_in_region_and_only_the_flow_role_publishes(synthesised, market_id) -> None:
    raw = synthesised.raw(market_id)
    [(topic_id, topic)] = [(k, t) for k, t in resources(raw, "AWS::SNS::Topic").items() if k.startswith("Recall")]
    assert topic["Properties"]["KmsMasterKeyId"] == key_arn(raw)
    policies = [p for k, p in resources(raw, "AWS::SNS::TopicPolicy").items() if k.startswith("Recall")]
    assert any("aws:SecureTransport" in json.dumps(p) for p in policies)
    publishers = [
        p["Properties"]["Roles"] for p in resources(raw, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "sns:Publish" in as_list(s["Action"]) and {"Ref": topic_id} in as_list(s["Resource"])
    ]  # fmt: skip
    assert len(publishers) == 1 and publishers[0][0]["Ref"].startswith("FlowsRole")
    outputs = raw["Outputs"]
    assert outputs["RecallTopicArn"]["Value"] == {"Ref": topic_id} and "ConsentApiUrl" in outputs
