"""Every function of a market stack: reserved concurrency from the market config, environment under the
market key, a log group with retention, and a failure destination wherever it is invoked asynchronously."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra_cdk.layer_staging import FUNCTIONS_DIR
from livebase.markets.config import load_markets, selling_markets
from livebase.markets.deployment import DEFAULT_RESERVED

MARKETS = load_markets()
SELLING = [m.id for m in selling_markets(MARKETS)]
ASYNC_FUNCTIONS = {"room_cue", "studio_failover"}  # EventBridge rule targets; the rest are invoked synchronously
SYNC_PRINCIPALS = {"apigateway.amazonaws.com"}  # erasure and passport; mappings need no permission


def resources(template: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def key_arn(template: dict[str, Any]) -> dict[str, Any]:
    [key] = [k for k in resources(template, "AWS::KMS::Key") if k.startswith("EncryptionKey")]
    return {"Fn::GetAtt": [key, "Arn"]}


def functions_by_folder(template: dict[str, Any], market_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    prefix = f"livebase-{market_id}-"
    return {
        f["Properties"]["FunctionName"].removeprefix(prefix): (k, f["Properties"])
        for k, f in resources(template, "AWS::Lambda::Function").items()
    }


def test_every_function_folder_has_a_reserved_concurrency_default() -> None:
    folders = {p.name for p in Path(FUNCTIONS_DIR).iterdir() if (p / "handler.py").is_file()}
    assert folders == set(DEFAULT_RESERVED)


@pytest.mark.parametrize("market_id", SELLING)
def test_reserved_concurrency_and_encrypted_environment(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    functions = functions_by_folder(raw, market_id)
    assert set(functions) == set(DEFAULT_RESERVED)
    settings = MARKETS[market_id].functions
    for folder, (_, props) in functions.items():
        assert props["ReservedConcurrentExecutions"] == settings.reserved_for(folder), folder
        assert props["KmsKeyArn"] == key_arn(raw), folder
        assert "VpcConfig" not in props  # functions.vpc is off by default (tests/infra/test_market_options.py)
    total = sum(props["ReservedConcurrentExecutions"] for _, props in functions.values())
    assert total <= 900  # Lambda keeps 100 of the default 1000 unreserved


@pytest.mark.parametrize("market_id", SELLING)
def test_each_role_may_decrypt_its_environment_with_the_market_key(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    policies = resources(raw, "AWS::IAM::Policy").values()
    for folder, (_, props) in functions_by_folder(raw, market_id).items():
        role = props["Role"]["Fn::GetAtt"][0]
        statements = [
            s for p in policies if {"Ref": role} in p["Properties"]["Roles"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        ]  # fmt: skip
        assert any("kms:Decrypt" in json.dumps(s["Action"]) and s["Resource"] == key_arn(raw) for s in statements), (
            folder
        )


@pytest.mark.parametrize("market_id", SELLING)
def test_every_log_group_is_encrypted_and_expires(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    groups = resources(raw, "AWS::Logs::LogGroup")
    for folder, (_, props) in functions_by_folder(raw, market_id).items():
        group = groups[props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
        assert group["RetentionInDays"] == 30 and group["KmsKeyId"] == key_arn(raw), folder
    assert all(g["Properties"].get("RetentionInDays") for g in groups.values())  # API access logs too


@pytest.mark.parametrize("market_id", SELLING)
def test_asynchronous_invocations_have_an_encrypted_alarmed_failure_destination(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    functions = functions_by_folder(raw, market_id)
    by_id = {logical_id: folder for folder, (logical_id, _) in functions.items()}
    invokers: dict[str, set[str]] = {}
    for permission in resources(raw, "AWS::Lambda::Permission").values():
        props = permission["Properties"]
        invokers.setdefault(by_id[props["FunctionName"]["Fn::GetAtt"][0]], set()).add(props["Principal"])
    assert {f for f, who in invokers.items() if "events.amazonaws.com" in who} == ASYNC_FUNCTIONS
    assert all(who <= SYNC_PRINCIPALS for f, who in invokers.items() if f not in ASYNC_FUNCTIONS)
    configs = {
        c["Properties"]["FunctionName"]["Ref"]: c["Properties"]
        for c in resources(raw, "AWS::Lambda::EventInvokeConfig").values()
    }
    queues = resources(raw, "AWS::SQS::Queue")
    alarmed = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in resources(raw, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    }
    for folder in ASYNC_FUNCTIONS:
        config = configs[functions[folder][0]]
        queue_id = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        assert queues[queue_id]["Properties"]["KmsMasterKeyId"] == key_arn(raw)
        assert queue_id in alarmed, (folder, queue_id)
        rule_targets = [
            t for r in resources(raw, "AWS::Events::Rule").values() for t in r["Properties"]["Targets"]
            if t["Arn"] == {"Fn::GetAtt": [functions[folder][0], "Arn"]}
        ]  # fmt: skip
        assert rule_targets and all(t["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0] == queue_id for t in rule_targets)
