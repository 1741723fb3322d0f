"""Exchange rates that never run out, on the synthesised templates (infra_cdk/components/fx_rates.py): hq's
alarm on the rates' days of cover, to hq's encrypted ops topic; the market flow roles' grants on hq's
fx-rates/ prefix and the metric namespace only (cdk-nag clean: synth raises on a finding)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from infra_cdk.app import file_context
from infra_cdk.components.flow_role import HQ_BUCKET_CONTEXT, HQ_KEY_CONTEXT
from infra_cdk.components.fx_rates import COVER_METRIC, METRIC_NAMESPACE
from infra_cdk.market_stack import MarketStack
from infra_cdk.nag import enable_checks
from livebase.aggregates.rates import COVER_ALARM_DAYS
from livebase.markets.config import load_markets
from tests.infra.stacks import HQ, resources

MARKETS = load_markets()
HQ_BUCKET = "livebase-hq-datalake-example"
HQ_KEY = "arn:aws:kms:ap-northeast-1:111111111111:key/0000-hq"


@pytest.fixture(scope="module")
def hq_raw(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """hq's stack alone (small: no market's back end), cdk-nag on."""
    from infra_cdk.app import build_app

    hq = MARKETS[HQ[0]]
    app = build_app(outdir=str(tmp_path_factory.mktemp("fx-hq")), markets={hq.id: hq})
    return dict(app.synth().get_stack_by_name(hq.stack_name).template)


def test_hq_alarms_before_the_rates_run_out_or_when_no_run_published_them(hq_raw: dict[str, Any]) -> None:
    raw = hq_raw
    [(alarm_id, alarm)] = [
        (k, v) for k, v in resources(raw, "AWS::CloudWatch::Alarm").items() if k.startswith("FxRates")
    ]
    properties = alarm["Properties"]
    assert (properties["Namespace"], properties["MetricName"]) == (METRIC_NAMESPACE, COVER_METRIC)
    assert properties["Statistic"] == "Minimum" and "Dimensions" not in properties  # the minimum over markets
    assert properties["Threshold"] == COVER_ALARM_DAYS
    assert properties["ComparisonOperator"] == "LessThanThreshold"
    assert properties["TreatMissingData"] == "breaching"  # no run for 36 hours alarms too
    assert properties["Period"] * properties["EvaluationPeriods"] == 36 * 3600
    assert properties["DatapointsToAlarm"] == properties["EvaluationPeriods"]
    [(topic_id, topic)] = [(k, v) for k, v in resources(raw, "AWS::SNS::Topic").items() if k.startswith("FxRates")]
    assert properties["AlarmActions"] == [{"Ref": topic_id}] and properties["OKActions"] == [{"Ref": topic_id}]
    assert topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0].startswith("Encryption")
    policy = json.dumps(raw["Resources"])
    assert '"cloudwatch.amazonaws.com"' in policy  # hq's key lets CloudWatch publish to the encrypted topic
    ssl_only = Match.object_like({"Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny"})
    statements = {"PolicyDocument": {"Statement": Match.array_with([ssl_only])}}
    Template.from_json(raw).has_resource_properties("AWS::SNS::TopicPolicy", statements)
    assert alarm_id


@pytest.fixture(scope="module")
def eu_flow_statements(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    eu = MARKETS["eu"]
    context = {**file_context(), HQ_BUCKET_CONTEXT: HQ_BUCKET, HQ_KEY_CONTEXT: HQ_KEY}
    app = cdk.App(outdir=str(Path(tmp_path_factory.mktemp("fx-flow-role"))), context=context)
    MarketStack(app, eu.stack_name, market=eu, env=cdk.Environment(region=eu.region))
    enable_checks(app)  # a cdk-nag finding makes synth raise
    raw = app.synth().get_stack_by_name(eu.stack_name).template
    kinds = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
    policies = [v for k, v in raw["Resources"].items() if k.startswith("Flows") and v["Type"] in kinds]
    return [s for policy in policies for s in policy["Properties"]["PolicyDocument"]["Statement"]]


def test_the_market_flow_role_writes_hq_rates_and_their_metric_only(eu_flow_statements: list[dict[str, Any]]) -> None:
    metric = [s for s in eu_flow_statements if s["Action"] == "cloudwatch:PutMetricData"]
    assert metric == [{
        "Action": "cloudwatch:PutMetricData", "Effect": "Allow", "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}},
    }]  # fmt: skip
    puts = [s for s in eu_flow_statements if "s3:PutObject" in s["Action"]]
    targets = json.dumps([s["Resource"] for s in puts])
    assert f"{HQ_BUCKET}/fx-rates/*" in targets and f"{HQ_BUCKET}/aggregates/eu/*" in targets
    assert f'{HQ_BUCKET}/*"' not in targets  # never the whole of hq's bucket
