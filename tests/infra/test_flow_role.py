"""The Prefect flow execution role of a market stack (infra_cdk/components/flow_role.py), on the template:
what regional-processing and passport-anchoring need, hq's bucket by name and under the market's own
``aggregates/<market>/`` prefix only, cdk-nag clean, and the residency aspect content with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from infra_cdk.app import file_context
from infra_cdk.components.flow_role import HQ_BUCKET_CONTEXT, HQ_KEY_CONTEXT
from infra_cdk.market_stack import MarketStack
from infra_cdk.nag import enable_checks
from livebase.markets.config import load_markets

MARKETS = load_markets()
EU, HQ = MARKETS["eu"], MARKETS["hq"]
ACCOUNT = "111111111111"
HQ_BUCKET = "livebase-hq-datalake-example"
HQ_KEY = f"arn:aws:kms:{HQ.region}:{ACCOUNT}:key/0000-hq"


def synth(outdir: Path, **context: str) -> tuple[cdk.Stack, dict[str, Any]]:
    app = cdk.App(outdir=str(outdir), context={**file_context(), **context})
    stack = MarketStack(app, EU.stack_name, market=EU, env=cdk.Environment(account=ACCOUNT, region=EU.region))
    enable_checks(app)  # a cdk-nag finding makes synth raise
    return stack, app.synth().get_stack_by_name(EU.stack_name).template


@pytest.fixture(scope="module")
def eu(tmp_path_factory: pytest.TempPathFactory) -> tuple[cdk.Stack, dict[str, Any]]:
    return synth(tmp_path_factory.mktemp("flow-role"), **{HQ_BUCKET_CONTEXT: HQ_BUCKET, HQ_KEY_CONTEXT: HQ_KEY})


def statements(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The flow role's statements: its default policy and the managed policies CDK overflows it into."""
    kinds = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
    policies = [v for k, v in raw["Resources"].items() if k.startswith("Flows") and v["Type"] in kinds]
    assert policies
    return [s for policy in policies for s in policy["Properties"]["PolicyDocument"]["Statement"]]


def resources_of(raw: dict[str, Any], action: str) -> list[str]:
    """Every resource (as JSON text) a statement granting ``action`` names."""
    out = []
    for statement in statements(raw):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if action in actions:
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            out += [json.dumps(t) for t in targets]
    return out


def logical(raw: dict[str, Any], prefix: str, kind: str) -> str:
    [found] = [k for k, v in raw["Resources"].items() if k.startswith(prefix) and v["Type"] == kind]
    return found


def test_the_role_is_for_ecs_tasks_and_is_a_stack_output(eu: tuple[cdk.Stack, dict[str, Any]]) -> None:
    _, raw = eu
    template = Template.from_json(raw)
    role = logical(raw, "FlowsRole", "AWS::IAM::Role")
    template.has_resource_properties("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [
        Match.object_like({"Action": "sts:AssumeRole", "Principal": {"Service": "ecs-tasks.amazonaws.com"}})
    ]}})  # fmt: skip
    assert raw["Outputs"]["FlowRoleArn"]["Value"] == {"Fn::GetAtt": [role, "Arn"]}
    anywhere = [
        s for s in statements(raw) if "*" in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    actions = sorted(a for s in anywhere for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]))
    assert actions == [  # only what supports no resource-level scoping: reads, and the fx-rates flow's metric
        "cloudwatch:GetMetricStatistics", "cloudwatch:PutMetricData", "ivs:ListChannels", "medialive:ListChannels",
        "medialive:ListInputs",
    ]  # fmt: skip
    [metric] = [s for s in anywhere if s["Action"] == "cloudwatch:PutMetricData"]  # its one namespace only
    assert metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Livebase/FxRates"}}


def test_regional_processing_reads_its_tables_and_writes_its_prefixes_only(
    eu: tuple[cdk.Stack, dict[str, Any]],
) -> None:
    _, raw = eu
    orders, consent = (
        logical(raw, "TablesOrders", "AWS::DynamoDB::Table"),
        logical(raw, "TablesConsent", "AWS::DynamoDB::Table"),
    )
    scans = " ".join(resources_of(raw, "dynamodb:Scan"))
    assert orders in scans and consent in scans
    for table in (consent,):  # read only (orders: order-to-replenish's WMS hand-off marks them)
        assert not any(
            table in r for r in resources_of(raw, "dynamodb:PutItem") + resources_of(raw, "dynamodb:DeleteItem")
        )
    puts = resources_of(raw, "s3:PutObject")
    lake = logical(raw, "DataLakeBucket", "AWS::S3::Bucket")
    lake_puts = sorted(json.loads(r)["Fn::Join"][1][1] for r in puts if lake in r)
    assert lake_puts == [
        "/forecasts/demand/*", "/quarantine/eu/artifacts/*", "/quarantine/eu/regional-processing/*", "/recall/eu/*",
        "/reports/business-case/*", "/sessions/plans/*", "/settlement/*",  # settlement-statements (issue 33)
    ]  # fmt: skip


def test_hq_gets_only_the_markets_aggregates_by_bucket_name(eu: tuple[cdk.Stack, dict[str, Any]]) -> None:
    _, raw = eu
    hq_puts = sorted(json.loads(r) for r in resources_of(raw, "s3:PutObject") if HQ_BUCKET in r)
    # its own aggregates, and the fx-rates flow's days of the ECB's public reference rates (fx_rates.py)
    assert hq_puts == [f"arn:aws:s3:::{HQ_BUCKET}/aggregates/eu/*", f"arn:aws:s3:::{HQ_BUCKET}/fx-rates/*"]
    hq_reads = [json.loads(r) for r in resources_of(raw, "s3:GetObject") if HQ_BUCKET in r]
    assert hq_reads == [f"arn:aws:s3:::{HQ_BUCKET}/fx-rates/*"]  # reads hq's rates, never its aggregates
    on_hq = {a for s in statements(raw) if HQ_BUCKET in json.dumps(s["Resource"])
             for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}  # fmt: skip
    assert not {a for a in on_hq if a.startswith(("s3:Delete", "s3:List", "s3:GetBucket"))} - {"s3:ListBucket"}
    assert not {a for a in on_hq if a.startswith("s3:Get") and a.endswith("*")}  # its days by name, nothing more
    assert json.dumps(HQ_KEY) in resources_of(raw, "kms:GenerateDataKey*")  # hq's bucket is SSE-KMS with hq's key
    assert json.dumps(f"arn:aws:cloudformation:{HQ.region}:{ACCOUNT}:stack/{HQ.stack_name}/*") in resources_of(
        raw, "cloudformation:DescribeStacks"
    )
    # No cross-Region reference and no residency error: the export is named, not referenced.
    types = {v["Type"] for v in raw["Resources"].values()}
    assert not types & {"Custom::CrossRegionExportWriter", "Custom::CrossRegionExportReader"}


def test_the_residency_aspect_allows_it(eu: tuple[cdk.Stack, dict[str, Any]]) -> None:
    stack, _ = eu
    assert Annotations.from_stack(stack).find_error("*", Match.string_like_regexp("residency")) == []


def test_passport_anchoring_reads_the_ledger_records_anchors_and_locks_its_objects(
    eu: tuple[cdk.Stack, dict[str, Any]],
) -> None:
    _, raw = eu
    ledger = logical(raw, "PassportLedger", "AWS::DynamoDB::Table")
    anchors = logical(raw, "PassportAnchors", "AWS::S3::Bucket")
    assert any(ledger in r for r in resources_of(raw, "dynamodb:Query"))
    assert any(ledger in r for r in resources_of(raw, "dynamodb:PutItem"))
    for action in ("s3:PutObject", "s3:PutObjectRetention"):
        granted = {json.loads(r)["Fn::Join"][1][1] for r in resources_of(raw, action) if anchors in r}
        assert granted == {"/passport-anchors/eu/*"}


def test_without_hq_bucket_name_no_hq_grant_and_a_warning(tmp_path: Path) -> None:
    stack, raw = synth(tmp_path)
    assert not [r for r in resources_of(raw, "s3:PutObject") if "aggregates" in r]
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(HQ_BUCKET_CONTEXT))


# What each flow of an ECS deployment calls, and on which of the stack's resources (logical id
# prefix, or text in the ARN): the role must grant every one.
NEEDS = {
    "order-to-replenish": [
        ("dynamodb:Query", "TablesOrders"), ("dynamodb:UpdateItem", "TablesOrders"),
        ("dynamodb:GetItem", "TablesInventory"), ("dynamodb:PutItem", "TablesPurchaseOrders"),
        ("dynamodb:BatchGetItem", "TablesForecasts"), ("events:PutEvents", "MessagingBus"),
        ("sqs:SendMessage", "MessagingWmsQueue"), ("s3:GetObject*", "catalogue/suppliers.json"),
        ("dynamodb:BatchGetItem", "TablesInventory"),  # presold orders held from the WMS
    ],
    "demand-forecasting": [
        ("dynamodb:BatchWriteItem", "TablesForecasts"), ("s3:PutObject", "forecasts/demand/*"),
        ("s3:GetObject*", "sessions/plans/*"),
    ],
    "session-planning": [
        ("dynamodb:Query", "TablesRoomMetrics"), ("s3:PutObject", "sessions/plans/*"),
        ("ivs:CreateChannel", ":ivs:eu-central-1:"), ("medialive:CreateChannel", ":medialive:eu-central-1:"),
        ("iam:PassRole", ":role/Livebase-eu*"), ("dynamodb:UpdateItem", "TablesInventory"),  # presales opened
        ("ssm:PutParameter", ":parameter/livebase/eu/rooms/*"), ("ssm:DeleteParameter", "/livebase/eu/rooms/*"),
    ],
    "experiment-analysis": [("dynamodb:Query", "TablesRoomMetrics")],
    "stock-reconciliation": [("dynamodb:Scan", "TablesInventory"), ("dynamodb:Scan", "TablesOrders")],
    "business-case": [
        ("kinesis:DescribeStreamSummary", "LiveIngestLiveEvents"), ("dynamodb:DescribeTable", "TablesInventory"),
        ("lambda:GetFunctionConfiguration", "livebase-eu-ingest"), ("s3:ListBucket", "DataLakeBucket"),
        ("s3:PutObject", "reports/business-case/*"), ("cloudwatch:GetMetricStatistics", "*"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("flow", sorted(NEEDS))
def test_every_flow_of_an_ecs_deployment_has_its_grants(eu: tuple[cdk.Stack, dict[str, Any]], flow: str) -> None:
    _, raw = eu
    missing = [
        (action, where) for action, where in NEEDS[flow] if not any(where in r for r in resources_of(raw, action))
    ]
    assert not missing, f"{flow}: the flow role does not grant {missing}"


def test_medialive_gets_only_roles_of_the_market_stacks(eu: tuple[cdk.Stack, dict[str, Any]]) -> None:
    _, raw = eu
    [passes] = [s for s in statements(raw) if s["Action"] == "iam:PassRole"]
    assert passes["Condition"] == {"StringEquals": {"iam:PassedToService": "medialive.amazonaws.com"}}
