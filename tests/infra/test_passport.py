"""The product passport in every selling market's template (``components/passport.py``).

Ledger table (market key, PITR), anchor bucket with Object Lock in compliance mode (versioned,
SSE-KMS with the market key, private, SSL only), the signed intake queue with its DLQ feeding
``passport_intake``, the public REST API (stage throttling, a usage plan, access logs without IPs,
request validation) in front of ``passport``, and grants that reach only what each function uses.
cdk-nag AwsSolutions runs on every synth (the fixture's synth would raise on a finding).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_cdk.components.passport import BURST_LIMIT, RATE_LIMIT, supplier_keys_secret_name
from infra_cdk.components.rest_api import STAGE
from livebase.stores.anchors import RETENTION_DAYS
from tests.infra.stacks import SELLING, one, resources, throttled_stage_log_format


def _passport(raw: dict[str, Any], cfn_type: str, prefix: str = "Passport") -> tuple[str, dict[str, Any]]:
    return one(raw, cfn_type, prefix)


def _statements(raw: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    _, policy = _passport(raw, "AWS::IAM::Policy", f"{role_prefix}RoleDefaultPolicy")
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _refs(statement: dict[str, Any]) -> str:
    return json.dumps(statement["Resource"])


@pytest.mark.parametrize("market_id", SELLING)
def test_ledger_and_locked_anchor_bucket(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    key_id, _ = _passport(raw, "AWS::KMS::Key", "EncryptionKey")
    _, table = _passport(raw, "AWS::DynamoDB::Table", "PassportLedger")
    props = table["Properties"]
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["pk", "sk"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    _, bucket = _passport(raw, "AWS::S3::Bucket", "PassportAnchors")
    b = bucket["Properties"]
    assert b["ObjectLockEnabled"] is True
    assert b["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": RETENTION_DAYS}}
    }  # fmt: skip
    assert b["VersioningConfiguration"] == {"Status": "Enabled"}
    [rule] = b["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert all(b["PublicAccessBlockConfiguration"].values())
    assert bucket["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("market_id", SELLING)
def test_the_public_api_is_throttled_validated_and_logs_no_caller_ip(synthesised: Any, market_id: str) -> None:
    template, raw = synthesised.template(market_id), synthesised.raw(market_id)
    template.has_resource_properties("AWS::ApiGateway::RestApi", {
        "Name": f"livebase-{market_id}-passport", "EndpointConfiguration": {"Types": ["REGIONAL"]},
    })  # fmt: skip
    _, stage = _passport(raw, "AWS::ApiGateway::Stage")
    props = stage["Properties"]
    assert props["StageName"] == STAGE and props["TracingEnabled"] is True
    access_format = throttled_stage_log_format(raw, "Passport", RATE_LIMIT, BURST_LIMIT)
    assert (
        "$context.requestId" in access_format and "sourceIp" not in access_format and "userAgent" not in access_format
    )
    _, plan = _passport(raw, "AWS::ApiGateway::UsagePlan")
    assert plan["Properties"]["Throttle"] == {"RateLimit": RATE_LIMIT, "BurstLimit": BURST_LIMIT}
    assert plan["Properties"]["Quota"]["Period"] == "DAY"
    assert plan["Properties"]["ApiStages"][0]["Stage"] == {"Ref": _passport(raw, "AWS::ApiGateway::Stage")[0]}
    [(_, method)] = [(k, v) for k, v in resources(raw, "AWS::ApiGateway::Method").items() if k.startswith("Passport")]
    m = method["Properties"]
    assert m["HttpMethod"] == "GET" and m["AuthorizationType"] == "NONE"  # deliberately public
    assert m["RequestParameters"] == {"method.request.path.batch": True} and "RequestValidatorId" in m
    function_id, _ = _passport(raw, "AWS::Lambda::Function", "PassportFunction")
    assert function_id in json.dumps(m["Integration"]["Uri"])
    assert len([k for k in resources(raw, "AWS::ApiGateway::Method") if k.startswith("Passport")]) == 1  # GET only


@pytest.mark.parametrize("market_id", SELLING)
def test_signed_intake_queue_and_outputs(synthesised: Any, market_id: str) -> None:
    template, raw = synthesised.template(market_id), synthesised.raw(market_id)
    dlq_id, _ = _passport(raw, "AWS::SQS::Queue", "PassportIntakeDlq")
    _, queue = _passport(raw, "AWS::SQS::Queue", "PassportIntakeQueue")
    assert queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq_id, "Arn"]}
    assert "KmsMasterKeyId" in queue["Properties"]
    template.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "FunctionName": {"Ref": _passport(raw, "AWS::Lambda::Function", "PassportIntakeFunction")[0]},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
    })  # fmt: skip
    _, secret = _passport(raw, "AWS::SecretsManager::Secret")
    assert secret["Properties"]["Name"] == supplier_keys_secret_name(market_id)
    assert "KmsKeyId" in secret["Properties"]
    outputs = raw["Outputs"]
    for name in ("PassportLedgerTableName", "PassportAnchorBucketName", "PassportIntakeQueueUrl",
                 "PassportIntakeDlqUrl", "PassportSupplierKeysSecretName", "PassportApiUrl"):  # fmt: skip
        assert name in outputs
    assert f"/{STAGE}/" in json.dumps(outputs["PassportApiUrl"]["Value"])
    assert any("PassportIntakeDlq" in k for k in resources(raw, "AWS::CloudWatch::Alarm"))


@pytest.mark.parametrize("market_id", SELLING)
def test_grants_reach_only_what_each_function_uses(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    ledger_id, _ = _passport(raw, "AWS::DynamoDB::Table", "PassportLedger")
    anchors_id, _ = _passport(raw, "AWS::S3::Bucket", "PassportAnchors")
    secret_id, _ = _passport(raw, "AWS::SecretsManager::Secret")
    intake = _statements(raw, "PassportIntake")
    api = _statements(raw, "Passport")
    intake_actions = {a for s in intake if ledger_id in _refs(s) for a in s["Action"]}
    assert "dynamodb:PutItem" in intake_actions and "dynamodb:Query" in intake_actions
    assert any("secretsmanager:GetSecretValue" in s["Action"] and secret_id in _refs(s) for s in intake)
    assert not any(anchors_id in _refs(s) for s in intake)
    api_ledger = {a for s in api if ledger_id in _refs(s) for a in s["Action"]}
    assert "dynamodb:Query" in api_ledger and not any(
        a.startswith(("dynamodb:Put", "dynamodb:Update", "dynamodb:Delete")) for a in api_ledger
    )
    api_bucket = [s for s in api if anchors_id in _refs(s) and any(str(a).startswith("s3:") for a in s["Action"])]
    assert api_bucket and all(
        "passport-anchors/*" in _refs(s) or "s3:List" in json.dumps(s["Action"]) for s in api_bucket
    )
    assert not any("s3:Put" in json.dumps(s["Action"]) or secret_id in _refs(s) for s in api)
    assert all(
        s["Resource"] != "*" or set(s["Action"]) <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
        for s in intake + api
    )
