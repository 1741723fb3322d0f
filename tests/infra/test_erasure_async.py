"""The asynchronous erasure on the template (issue 29): ``POST /erasures`` answers 202, ``GET /erasures/{receipt}``
reads the status, both IAM-authorised and validated; the function may invoke itself, nothing else."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Template

from tests.infra.stacks import SELLING, function_statements, resources


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
    raw = synthesised.raw(market_id)
    name = f"livebase-{market_id}-erasure"
    function_id, invokes = function_statements(raw, name, "lambda:InvokeFunction")
    assert len(invokes) == 1 and name in json.dumps(invokes[0]["Resource"]) and function_id not in json.dumps(invokes)
    stages = resources(raw, "AWS::ApiGateway::Stage")
    assert all(s["Properties"].get("MethodSettings") for s in stages.values())  # throttled (rest_api.py)


@pytest.mark.parametrize("market_id", SELLING)
def test_a_run_that_keeps_failing_is_kept_on_an_encrypted_queue_and_alarmed(synthesised, market_id: str) -> None:
    template = Template.from_json(synthesised.raw(market_id))
    name = f"livebase-{market_id}-erasure"
    [function_id] = template.find_resources("AWS::Lambda::Function", {"Properties": {"FunctionName": name}})
    configs = template.find_resources("AWS::Lambda::EventInvokeConfig").values()
    [properties] = [c["Properties"] for c in configs if c["Properties"]["FunctionName"] == {"Ref": function_id}]
    assert properties["MaximumRetryAttempts"] == 2 and properties["MaximumEventAgeInSeconds"] == 6 * 3600
    queue_arn = properties["DestinationConfig"]["OnFailure"]["Destination"]
    [queue_id, _] = queue_arn["Fn::GetAtt"]
    queue = template.to_json()["Resources"][queue_id]
    assert queue["Type"] == "AWS::SQS::Queue" and "KmsMasterKeyId" in queue["Properties"]
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    assert any(
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}} in a["Properties"].get("Dimensions", [])
        for a in alarms.values()
    )
