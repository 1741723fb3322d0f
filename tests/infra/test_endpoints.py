"""Every HTTP endpoint of a market: authenticated or deliberately public, throttled, validated, behind WAF.

There are two: ``POST /erasures`` (AWS_IAM) and ``GET /passport/{batch}`` (public, read-only).
Goods receipts have no HTTP endpoint (the ``goods-receipts`` SQS queue, sent to with IAM), so a new
method anywhere fails :func:`test_the_endpoints_are_exactly_these` until it is added here. The
template says who may call; the handlers refuse, with a clear message, what gets past.
"""

from __future__ import annotations

import json
import uuid
from types import ModuleType
from typing import Any

import pytest

from livebase.markets.config import load_markets, selling_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase_local.runner.functions import load_handler
from tests.support.lambda_events import ERASURE_CONTEXT, ERASURE_EVENT, sample
from tests.support.passport import PassportMarket, get

SELLING = [m.id for m in selling_markets(load_markets())]
# (method, path) -> authorisation; AWS_IAM: only principals granted execute-api:Invoke; NONE: public on purpose.
ENDPOINTS = {
    ("POST", "/erasures"): "AWS_IAM",
    ("GET", "/erasures/{receipt}"): "AWS_IAM",
    ("GET", "/passport/{batch}"): "NONE",
    ("POST", "/sessions/{session}/join"): "NONE",  # the player app (issue 31: components/player_api.py)
    ("GET", "/recommendations"): "NONE",
}


def resources(template: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def path_of(template: dict[str, Any], resource_ref: Any) -> str:
    """The full path of an API Gateway resource (``/passport/{batch}``) from its PathPart chain."""
    parts: list[str] = []
    while isinstance(resource_ref, dict) and "Ref" in resource_ref:
        props = template["Resources"][resource_ref["Ref"]]["Properties"]
        parts.insert(0, props["PathPart"])
        resource_ref = props["ParentId"]
    return "/" + "/".join(parts)


def methods(template: dict[str, Any]) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    return {
        (m["Properties"]["HttpMethod"], path_of(template, m["Properties"]["ResourceId"])): (k, m["Properties"])
        for k, m in resources(template, "AWS::ApiGateway::Method").items()
    }


@pytest.mark.parametrize("market_id", SELLING)
def test_the_endpoints_are_exactly_these(synthesised, market_id: str) -> None:
    found = methods(synthesised.raw(market_id))
    assert {endpoint: props["AuthorizationType"] for endpoint, (_, props) in found.items()} == ENDPOINTS


@pytest.mark.parametrize("market_id", SELLING)
def test_every_method_is_validated_before_its_function_runs(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    validators = resources(raw, "AWS::ApiGateway::RequestValidator")
    for (verb, path), (_, props) in methods(raw).items():
        validator = validators[props["RequestValidatorId"]["Ref"]]["Properties"]
        assert validator["ValidateRequestBody"] is True and validator["ValidateRequestParameters"] is True
        assert props["Integration"]["Type"] == "AWS_PROXY"
        if verb == "POST":  # a JSON body with the fields the handler reads, bounded
            [model_ref] = props["RequestModels"].values()
            schema = raw["Resources"][model_ref["Ref"]]["Properties"]["Schema"]
            assert schema["required"] == ["viewer"] and schema["properties"]["viewer"]["maxLength"] == 256
        else:
            [parameter] = [part.strip("{}") for part in path.split("/") if part.startswith("{")]
            assert props["RequestParameters"] == {f"method.request.path.{parameter}": True}, path


@pytest.mark.parametrize("market_id", SELLING)
def test_every_stage_is_throttled_logged_and_behind_the_regional_web_acl(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    stages = resources(raw, "AWS::ApiGateway::Stage")
    assert len(stages) == len(resources(raw, "AWS::ApiGateway::RestApi")) == 2
    [(acl_id, acl)] = resources(raw, "AWS::WAFv2::WebACL").items()
    assert acl["Properties"]["Scope"] == "REGIONAL"  # in the market's Region: sampled requests stay there
    rules = {r["Name"]: r for r in acl["Properties"]["Rules"]}
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "RatePerIp"} <= set(rules)
    associated = {
        a["Properties"]["ResourceArn"]["Fn::Join"][1][-1]["Ref"]
        for a in resources(raw, "AWS::WAFv2::WebACLAssociation").values()
        if a["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    }
    assert associated == set(stages)
    for stage in stages.values():
        props = stage["Properties"]
        [settings] = props["MethodSettings"]
        assert settings["HttpMethod"] == "*" and settings["ResourcePath"] == "/*"
        assert 0 < settings["ThrottlingRateLimit"] <= 20 and 0 < settings["ThrottlingBurstLimit"] <= 40
        assert props["TracingEnabled"] is True
        log_format = json.loads(props["AccessLogSetting"]["Format"])
        assert "sourceIp" not in json.dumps(log_format) and "body" not in json.dumps(log_format).lower()


# Handler level: what reaches the function without rights or with bad input is refused, saying why.


def call_erasure(module: ModuleType, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = module.lambda_handler(event, ERASURE_CONTEXT)
    return int(response["statusCode"]), json.loads(response["body"])


@pytest.fixture
def erasure_api(aws: None) -> ModuleType:
    """The erasure handler bound to eu; a refused request touches no store, so none is created."""
    region = load_markets()["eu"].region
    resources = MarketResources(market="eu", region=region, **{field: f"eu-{field}" for field in OUTPUTS})
    return load_handler("erasure", resources, container=uuid.uuid4().hex[:8])[0]


def test_erasure_refuses_a_request_without_a_signed_caller(erasure_api: ModuleType) -> None:
    module = erasure_api
    unsigned = json.loads(json.dumps(ERASURE_EVENT))
    unsigned["requestContext"]["identity"] = {"sourceIp": "198.51.100.7", "userArn": None, "caller": None}
    status, body = call_erasure(module, unsigned)
    assert status == 403 and body["message"].startswith("caller: an IAM-signed request is required")
    del unsigned["requestContext"]["identity"]
    assert call_erasure(module, unsigned)[0] == 403


@pytest.mark.parametrize("body", [None, "not json", "[]", '{"viewer": ""}', '{"viewer": 7}', '{"someone": "v_1"}'])
def test_erasure_refuses_bad_bodies_naming_the_field(erasure_api: ModuleType, body: str | None) -> None:
    status, answer = call_erasure(erasure_api, {**ERASURE_EVENT, "body": body})
    assert status == 400 and answer["message"].startswith("viewer: required")


@pytest.fixture
def passport_api(aws: None) -> ModuleType:
    return PassportMarket().handler("passport")


@pytest.mark.parametrize("batch", ["not a batch", "x", "EU-" + "9" * 60, "eu-batch-0042", "EU-BATCH-1;DROP"])
def test_passport_is_public_but_refuses_a_bad_batch_id_naming_the_field(passport_api: ModuleType, batch: str) -> None:
    status, body = get(passport_api, batch)
    assert status == 400 and body["message"].startswith("batch: not a batch id")


def test_passport_answers_only_its_one_read_only_route(passport_api: ModuleType) -> None:
    """Public means GET of one passport: any other method or path reaching the function is not served."""
    event = sample("apigateway_get_passport")
    for method, path in (("POST", "/passport/EU-BATCH-0042"), ("DELETE", "/passport/EU-BATCH-0042"), ("GET", "/")):
        event.update(httpMethod=method, path=path)
        response = passport_api.lambda_handler(event, ERASURE_CONTEXT)
        assert int(response["statusCode"]) in (404, 405), (method, path, response)
