"""The moderation API and the OrderHeld rule in every selling market's template (``components/moderation.py``).

The function reaches only the room-metrics table; the REST API is IAM-authorised on both methods,
throttled, validated, its access logs without a body; OrderHeld goes to the ops topic; the flow role
may write the held queues. cdk-nag AwsSolutions runs on every synth (the fixture's synth would raise).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_cdk.components.moderation import BURST_LIMIT, RATE_LIMIT
from tests.infra.stacks import SELLING, actions, function_environment, one, resources, throttled_stage_log_format


@pytest.mark.parametrize("market_id", SELLING)
def test_the_function_reaches_only_the_room_metrics_table(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    [rooms_id] = [k for k in resources(raw, "AWS::DynamoDB::Table") if k.startswith("TablesRoomMetrics")]
    _, policy = one(raw, "AWS::IAM::Policy", "ModerationRoleDefaultPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    dynamodb = [s for s in statements if any(a.startswith("dynamodb:") for a in actions(s))]
    assert {json.dumps(s["Resource"]) for s in dynamodb} <= {
        json.dumps([{"Fn::GetAtt": [rooms_id, "Arn"]}, {"Ref": "AWS::NoValue"}]),
        json.dumps({"Fn::GetAtt": [rooms_id, "Arn"]}),
    }
    assert not any(a.startswith(("s3:", "kinesis:", "events:")) for s in statements for a in actions(s))
    _, function = one(raw, "AWS::Lambda::Function", "ModerationFunction")
    variables = function_environment(raw, function["Properties"])
    assert {"ROOM_METRICS_TABLE", "MARKET_CONFIG"} <= set(variables)
    assert variables["ROOM_METRICS_TABLE"] == {"Ref": rooms_id}


@pytest.mark.parametrize("market_id", SELLING)
def test_the_api_is_iam_authorised_throttled_and_validated(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    log_format = throttled_stage_log_format(raw, "ModerationApi", RATE_LIMIT, BURST_LIMIT)
    assert "caller" in log_format and "body" not in log_format
    methods = [m["Properties"] for k, m in resources(raw, "AWS::ApiGateway::Method").items()
               if k.startswith("ModerationApi")]  # fmt: skip
    assert sorted(m["HttpMethod"] for m in methods) == ["GET", "POST"]
    assert all(m["AuthorizationType"] == "AWS_IAM" and "RequestValidatorId" in m for m in methods)
    assert "ModerationApiUrl" in raw["Outputs"]


@pytest.mark.parametrize("market_id", SELLING)
def test_held_orders_go_to_the_ops_topic(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    _, rule = one(raw, "AWS::Events::Rule", "ModerationOrderHeldToOps")
    assert rule["Properties"]["EventPattern"] == {"source": ["livebase.trust"], "detail-type": ["OrderHeld"]}
    [target] = rule["Properties"]["Targets"]
    assert target["Arn"]["Ref"].startswith("SignalsOpsTopic") and "DeadLetterConfig" in target
