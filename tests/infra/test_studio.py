"""Studio devices (infra_cdk/components/studio.py) on the synthesised templates: the telemetry
stream and its IoT topic rule, the consumer's mapping and grants, the device.failover rule with
its two targets (the failover function, the ops topic), the switch grants per video service."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_cdk.components.studio import FAILOVER_MAX_EVENT_AGE, FAILOVER_RETRY_ATTEMPTS, telemetry_topic_filter
from livebase.markets.config import load_markets, selling_markets
from livebase.signals.studio import DEVICE_FAILOVER, DEVICE_WARNING, STUDIO_EVENT_SOURCE
from tests.infra.conftest import Synthesised

SELLING = [m.id for m in selling_markets(load_markets())]


def _one(raw: dict[str, Any], kind: str, prefix: str) -> str:
    [found] = [k for k, v in raw["Resources"].items() if v["Type"] == kind and k.startswith(prefix)]
    return found


def _statements(raw: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    found = []
    for body in raw["Resources"].values():
        if body["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in body["Properties"]["Roles"]:
            found += body["Properties"]["PolicyDocument"]["Statement"]
    return found


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


@pytest.mark.parametrize("market_id", SELLING)
def test_telemetry_stream_is_its_own_encrypted_with_the_market_key(synthesised: Synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    stream = _one(raw, "AWS::Kinesis::Stream", "StudioTelemetry")
    props = raw["Resources"][stream]["Properties"]
    key = _one(raw, "AWS::KMS::Key", "EncryptionKey")
    assert props["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": {"Fn::GetAtt": [key, "Arn"]}}
    assert props["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"} and props["RetentionPeriodHours"] == 24
    assert stream != _one(raw, "AWS::Kinesis::Stream", "LiveIngestLiveEvents")


@pytest.mark.parametrize("market_id", SELLING)
def test_iot_rule_feeds_the_stream_through_a_role_that_may_only_put_records(
    synthesised: Synthesised, market_id: str
) -> None:
    raw = synthesised.raw(market_id)
    rule = raw["Resources"][_one(raw, "AWS::IoT::TopicRule", "StudioTelemetryRule")]["Properties"]["TopicRulePayload"]
    assert rule["Sql"] == f"SELECT * FROM '{telemetry_topic_filter(market_id)}'" and rule["RuleDisabled"] is False
    stream, role, dlq = (
        _one(raw, "AWS::Kinesis::Stream", "StudioTelemetry"),
        _one(raw, "AWS::IAM::Role", "StudioIotRole"),
        _one(raw, "AWS::SQS::Queue", "StudioDlq"),
    )
    [action] = rule["Actions"]
    assert action["Kinesis"] == {
        "StreamName": {"Ref": stream},
        "RoleArn": {"Fn::GetAtt": [role, "Arn"]},
        "PartitionKey": "${device_id}",
    }
    assert rule["ErrorAction"]["Sqs"]["QueueUrl"] == {"Ref": dlq}
    role_body = raw["Resources"][role]["Properties"]
    assert role_body["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "iot.amazonaws.com"}
    actions = {a for s in _statements(raw, role) for a in _actions(s)}
    assert {"kinesis:PutRecord", "kinesis:PutRecords", "sqs:SendMessage"} <= actions
    assert not {a for a in actions if a.startswith("kinesis:Get") or a.startswith("dynamodb:")}


@pytest.mark.parametrize("market_id", SELLING)
def test_the_consumer_reads_the_stream_with_partial_failures_and_a_dlq(
    synthesised: Synthesised, market_id: str
) -> None:
    template, raw = synthesised.template(market_id), synthesised.raw(market_id)
    function = _one(raw, "AWS::Lambda::Function", "StudioConsumerFunction")
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": function},
            "EventSourceArn": {"Fn::GetAtt": [_one(raw, "AWS::Kinesis::Stream", "StudioTelemetry"), "Arn"]},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 3,
            "DestinationConfig": {
                "OnFailure": {"Destination": {"Fn::GetAtt": [_one(raw, "AWS::SQS::Queue", "StudioDlq"), "Arn"]}}
            },
        },
    )
    env = raw["Resources"][function]["Properties"]["Environment"]["Variables"]
    assert env["STUDIO_DEVICES_TABLE"] == {"Ref": _one(raw, "AWS::DynamoDB::Table", "StudioDevices")}
    role = raw["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = _statements(raw, role)
    assert any("events:PutEvents" in _actions(s) for s in statements)
    s3_resources = [s["Resource"] for s in statements if any(a.startswith("s3:Put") for a in _actions(s))]
    assert s3_resources and all(f"/quarantine/{market_id}/studio/*" in str(r) for r in s3_resources)
    table = raw["Resources"][_one(raw, "AWS::DynamoDB::Table", "StudioDevices")]["Properties"]
    assert table["SSESpecification"]["SSEEnabled"] is True and table["SSESpecification"]["SSEType"] == "KMS"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


@pytest.mark.parametrize("market_id", SELLING)
def test_device_failover_goes_to_the_failover_function_and_ops(synthesised: Synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    rules = {k: v["Properties"] for k, v in raw["Resources"].items() if v["Type"] == "AWS::Events::Rule"}
    failover = rules[_one(raw, "AWS::Events::Rule", "StudioDeviceFailover")]
    assert failover["EventPattern"] == {"source": [STUDIO_EVENT_SOURCE], "detail-type": [DEVICE_FAILOVER]}
    function = _one(raw, "AWS::Lambda::Function", "StudioFailoverFunction")
    topic = _one(raw, "AWS::SNS::Topic", "SignalsOpsTopic")
    by_arn = {str(t["Arn"]): t for t in failover["Targets"]}
    lambda_target = by_arn[str({"Fn::GetAtt": [function, "Arn"]})]
    assert lambda_target["RetryPolicy"] == {
        "MaximumRetryAttempts": FAILOVER_RETRY_ATTEMPTS,
        "MaximumEventAgeInSeconds": FAILOVER_MAX_EVENT_AGE.to_seconds(),
    }
    assert lambda_target["DeadLetterConfig"]["Arn"] == {
        "Fn::GetAtt": [_one(raw, "AWS::SQS::Queue", "StudioFailoverDlq"), "Arn"]
    }
    assert str({"Ref": topic}) in by_arn
    warning = rules[_one(raw, "AWS::Events::Rule", "StudioDeviceWarning")]
    assert warning["EventPattern"] == {"source": [STUDIO_EVENT_SOURCE], "detail-type": [DEVICE_WARNING]}
    assert [t["Arn"] for t in warning["Targets"]] == [{"Ref": topic}]


@pytest.mark.parametrize("market_id", SELLING)
def test_the_switch_may_publish_to_the_studio_switch_topics_and_switch_only_its_channel(
    synthesised: Synthesised, market_id: str
) -> None:
    raw = synthesised.raw(market_id)
    function = _one(raw, "AWS::Lambda::Function", "StudioFailoverFunction")
    role = raw["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = _statements(raw, role)
    [publish] = [s for s in statements if "iot:Publish" in _actions(s)]
    assert json.dumps(publish["Resource"]).endswith(f':topic/livebase/{market_id}/studio/*/switch"]]}}')
    switch = [s for s in statements if "medialive:BatchUpdateSchedule" in _actions(s)]
    env = raw["Resources"][function]["Properties"]["Environment"]["Variables"]
    medialive = [k for k, v in raw["Resources"].items() if v["Type"] == "AWS::MediaLive::Channel"]
    if medialive:
        [channel] = medialive
        assert env["SWITCH_MEDIALIVE_CHANNEL"] == {"Ref": channel}
        assert [s["Resource"] for s in switch] == [{"Fn::GetAtt": [channel, "Arn"]}]
    else:
        assert env["SWITCH_MEDIALIVE_CHANNEL"] == "" and not switch
    assert not any(
        a.startswith("iot:") and a not in ("iot:Publish", "iot:DescribeEndpoint")
        for s in statements
        for a in _actions(s)
    )


def test_the_studio_dlqs_are_alarmed(synthesised: Synthesised) -> None:
    raw = synthesised.raw("sea")
    alarmed = {
        str(d.get("Value"))
        for v in raw["Resources"].values()
        if v["Type"] == "AWS::CloudWatch::Alarm"
        for d in v["Properties"].get("Dimensions", [])
    }
    for queue in ("StudioDlq", "StudioFailoverDlq"):
        assert str({"Fn::GetAtt": [_one(raw, "AWS::SQS::Queue", queue), "QueueName"]}) in alarmed
