"""The asynchronous erasure on the template (issue 29): ``POST /erasures`` answers 202, ``GET /erasures/{receipt}``
reads the status, both IAM-authorised and validated; the function may invoke itself, nothing else."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from tests.infra.stacks import SELLING


def _method(template: Template, verb: str, path_part: str) -> dict:
    found = template.find_resources("AWS::ApiGateway::Method", {"Properties": {"HttpMethod": verb}})
    resources = template.find_resources("AWS::ApiGateway::Resource", {"Properties": {"PathPart": path_part}})
    [props] = [m["Properties"] for m in found.values() if m["Properties"]["ResourceId"].get("Ref") in resources]
    return props


@pytest.mark.parametrize("market_id", SELLING)
def test_post_answers_202_and_get_reads_the_status_with_iam(synthesised, market_id: str) -> None:
    template = Template.from_json(synthesised.raw(market_id))
    post = _method(template, "POST", "erasures")
    assert post["AuthorizationType"] == "AWS_IAM" and post["RequestValidatorId"]
    assert {"StatusCode": "202"} in post["MethodResponses"]
    get = _method(template, "GET", "{receipt}")
    assert get["AuthorizationType"] == "AWS_IAM" and get["RequestValidatorId"]
    assert get["RequestParameters"] == {"method.request.path.receipt": True}
    assert get["Integration"]["Uri"] == post["Integration"]["Uri"]  # the same function answers both


@pytest.mark.parametrize("market_id", SELLING)
def test_the_function_invokes_only_itself_and_the_stage_is_throttled(synthesised, market_id: str) -> None:
    template = Template.from_json(synthesised.raw(market_id))
    name = f"livebase-{market_id}-erasure"
    [(function_id, function)] = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"FunctionName": name}}
    ).items()
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": Match.array_with([{"Ref": role}])}})
    invokes = [
        s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "lambda:InvokeFunction" in json.dumps(s["Action"])
    ]  # fmt: skip
    assert len(invokes) == 1 and name in json.dumps(invokes[0]["Resource"]) and function_id not in json.dumps(invokes)
    stages = template.find_resources("AWS::ApiGateway::Stage")
    assert all(s["Properties"].get("MethodSettings") for s in stages.values())  # throttled (rest_api.py)
