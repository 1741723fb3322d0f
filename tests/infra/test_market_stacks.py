"""The synthesised market stacks: one per market in its Region, cdk-nag clean, the output contract, hq empty.

By concept beside it: test_encryption.py (keys, tables, buckets, queues, alarm topic), test_consumers.py
(stream consumers and their mappings), test_iam_grants.py (least privilege), test_moto_deployable.py.
"""

from __future__ import annotations

import json

import pytest

from infra_cdk.account_stack import account_stack_name
from infra_cdk.app import synth_errors
from infra_cdk.components.flow_role import HQ_KEY_OUTPUT
from livebase.markets.resources import OUTPUTS
from tests.infra.stacks import HQ, MARKETS, SELLING, key_arn, only


def test_one_stack_per_market_pinned_to_its_region(synthesised) -> None:
    stacks = {s.stack_name: s for s in synthesised.assembly.stacks}
    media = {f"{m.stack_name}-media" for m in MARKETS.values() if m.media_region}  # tests/infra/test_media_stack.py
    accounts = {account_stack_name(MARKETS[m].region) for m in SELLING}  # tests/infra/test_first_deploy.py
    assert set(stacks) == {m.stack_name for m in MARKETS.values()} | media | accounts
    for market in MARKETS.values():
        assert stacks[market.stack_name].environment.region == market.region
    assert synth_errors(synthesised.assembly) == []


def test_cdk_nag_reports_no_unacknowledged_finding(synthesised) -> None:
    report = json.loads((synthesised.outdir / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []


@pytest.mark.parametrize("market_id", SELLING)
def test_outputs_are_the_resource_contract(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    assert {key for key, _ in OUTPUTS.values()} <= set(raw["Outputs"])  # and the API endpoints CDK adds
    _, bus = only(raw, "AWS::Events::EventBus")
    assert bus["Properties"]["Name"] == f"livebase-{market_id}"
    assert bus["Properties"]["KmsKeyIdentifier"] == key_arn(raw)


@pytest.mark.parametrize("market_id", HQ)
def test_hq_holds_nothing_personal(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    types = {r["Type"] for r in raw["Resources"].values()}
    for forbidden in (
        "AWS::Kinesis::Stream",
        "AWS::DynamoDB::Table",
        "AWS::Lambda::Function",
        "AWS::SQS::Queue",
    ):
        assert forbidden not in types
    # DataLakeKeyArn: the markets' flow roles encrypt their exports to hq's bucket with it (flow_role.HQ_KEY_OUTPUT)
    assert set(raw["Outputs"]) == {"DataLakeBucketName", "EventBusName", HQ_KEY_OUTPUT}
    assert set(raw["Outputs"]) - {HQ_KEY_OUTPUT} <= {key for key, _ in OUTPUTS.values()}
    _, bus = only(raw, "AWS::Events::EventBus")
    assert bus["Properties"]["Name"] == f"livebase-{market_id}"
    assert bus["Properties"]["KmsKeyIdentifier"] == key_arn(raw)
