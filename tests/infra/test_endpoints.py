"""Every HTTP endpoint of a market: authenticated or deliberately public, throttled, validated, behind WAF.

Five REST APIs: erasure (``/erasures``, AWS_IAM), passport (``GET /passport/{batch}``, public,
read-only), player (``/sessions/{session}/join``, ``/recommendations``: the player app, public, the
viewer named by a pseudonym), moderation (``/moderation/...``, AWS_IAM) and consent (``/consent``,
``/consent/unsubscribe``, AWS_IAM: the base's own sites). Goods receipts have no HTTP endpoint (the
``goods-receipts`` SQS queue, sent to with IAM), so a new method anywhere fails
:func:`test_the_endpoints_are_exactly_these` until it is added here. The template says who may call;
the handlers refuse, with a clear message, what gets past.
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
    ("GET", "/moderation/held"): "AWS_IAM",  # ops' console and the review flow (issue 32: components/moderation.py)
    ("POST", "/moderation/actions"): "AWS_IAM",
    ("POST", "/consent"): "AWS_IAM",  # the base's own sites (issue 31: components/recall.py)
    ("POST", "/consent/unsubscribe"): "AWS_IAM",
}
# What API Gateway checks before a function runs: a GET's required parameters, a POST's required body
# fields with each string field's maxLength.
PARAMETERS = {
    ("GET", "/erasures/{receipt}"): {"method.request.path.receipt"},
    ("GET", "/passport/{batch}"): {"method.request.path.batch"},
    ("GET", "/recommendations"): {"method.request.querystring.session", "method.request.querystring.viewer"},
    ("GET", "/moderation/held"): set(),  # no parameter: the held events of the market
    ("POST", "/sessions/{session}/join"): {"method.request.path.session"},
}
BODIES = {
    # a pseudonymous id or a raw account id (erased under both), up to 256
    ("POST", "/erasures"): (["viewer"], {"viewer": 256}),
    # the player's own key only (v_ and 16 to 64 hex digits: livebase.sessions.joining.check_viewer)
    ("POST", "/sessions/{session}/join"): (["viewer"], {"viewer": 80}),
    ("POST", "/moderation/actions"): (
        ["action"],
        {"room_id": 64, "event_id": 64, "viewer_id": 64, "session_id": 64, "note": 500},
    ),
    # a site's account id (pseudonymised in-region by the function), the purpose's name
    ("POST", "/consent"): (["viewer", "purpose", "granted"], {"viewer": 256, "purpose": 32}),
    ("POST", "/consent/unsubscribe"): (["delivery"], {"delivery": 256}),
}
# REST API name (livebase-<market>-<name>) -> the stage's (rate, burst) throttle caps.
THROTTLE_CAPS = {
    "erasure": (5, 10),  # a person at the privacy team's console
    "moderation": (10, 20),  # ops at a console and the review flow
    "passport": (20, 40),  # a QR scanned on a product: public, also a usage plan
    "consent": (50, 100),  # the base's sites, on a viewer's click
    "player": (200, 400),  # every viewer of a room joining at a session's start: also a usage plan with a quota
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
    for endpoint, (_, props) in methods(raw).items():
        validator = validators[props["RequestValidatorId"]["Ref"]]["Properties"]
        assert validator["ValidateRequestBody"] is True and validator["ValidateRequestParameters"] is True
        assert props["Integration"]["Type"] == "AWS_PROXY"
        required = {name for name, needed in props.get("RequestParameters", {}).items() if needed}
        assert required == PARAMETERS.get(endpoint, set()), endpoint
        if endpoint[0] == "POST":  # a JSON body with the fields the handler reads, bounded
            [model_ref] = props["RequestModels"].values()
            schema = raw["Resources"][model_ref["Ref"]]["Properties"]["Schema"]
            fields, bounds = BODIES[endpoint]
            assert schema["required"] == fields, endpoint
            strings = {k: v for k, v in schema["properties"].items() if v["type"] == "string" and "enum" not in v}
            assert {k: v.get("maxLength") for k, v in strings.items()} == bounds, endpoint
        else:
            assert "RequestModels" not in props, endpoint


@pytest.mark.parametrize("market_id", SELLING)
def test_every_stage_is_throttled_logged_and_behind_the_regional_web_acl(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    stages = resources(raw, "AWS::ApiGateway::Stage")
    apis = resources(raw, "AWS::ApiGateway::RestApi")
    assert len(stages) == len(apis) == len(THROTTLE_CAPS)
    names = {k: api["Properties"]["Name"].removeprefix(f"livebase-{market_id}-") for k, api in apis.items()}
    assert set(names.values()) == set(THROTTLE_CAPS)
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
        rate, burst = THROTTLE_CAPS[names[props["RestApiId"]["Ref"]]]
        [settings] = props["MethodSettings"]
        assert settings["HttpMethod"] == "*" and settings["ResourcePath"] == "/*"
        assert 0 < settings["ThrottlingRateLimit"] <= rate and 0 < settings["ThrottlingBurstLimit"] <= burst
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
