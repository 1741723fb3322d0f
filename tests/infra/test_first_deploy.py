"""What a fresh account checks at the first ``cdk deploy`` and moto does not (issue 29), on the templates.

The API Gateway CloudWatch role per Region (account stacks), the Powertools layer where AWS publishes
none, no account id baked into any template, replay access logs in opt-in Regions (v2 delivery) and
the reserved concurrency each Region needs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from infra_cdk.account_stack import CONCURRENCY_WARNING, STACK_PREFIX, account_stack_name
from infra_cdk.components.edge import OPT_IN_REGIONS, OUTPUT_DISTRIBUTION, OUTPUT_LOG_BUCKET
from infra_cdk.components.powertools import PARAMETER_PREFIX, has_managed_layer
from infra_cdk.edge_logs_stack import SOURCES_CONTEXT, EdgeLogsStack, delivery_source_name, edge_logs_stack_name
from infra_cdk.layer_staging import FUNCTIONS_DIR, REPO_DIR, distribution_files
from infra_cdk.nag import enable_checks
from infra_cdk.powertools_staging import RUNTIME_PROVIDED
from infra_cdk.scan import cfn_lint
from livebase.markets.deployment import ACCOUNT_CONCURRENCY, DEFAULT_RESERVED, UNRESERVED_MINIMUM
from tests.infra.stacks import MARKETS, SELLING, only, resources

ACCOUNT_ID = re.compile(r"(?<![0-9A-Za-z])\d{12}(?![0-9A-Za-z])")  # not a run of digits inside an asset hash
WITHOUT_MANAGED_LAYER = [m for m in SELLING if not has_managed_layer(MARKETS[m].region)]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, str):
        yield node


def _stacks(synthesised) -> dict[str, Any]:
    return {s.stack_name: s for s in synthesised.assembly.stacks}


# -- the API Gateway CloudWatch role ------------------------------------------------------------


def test_every_region_with_a_logging_rest_stage_has_its_account_stack_deployed_first(synthesised) -> None:
    stacks = _stacks(synthesised)
    logging = {
        name: stack.environment.region
        for name, stack in stacks.items()
        if any(
            "AccessLogSetting" in r["Properties"] for r in resources(stack.template, "AWS::ApiGateway::Stage").values()
        )
    }
    assert set(logging) >= {MARKETS[m].stack_name for m in SELLING}  # erasure and passport APIs
    assert {n for n in stacks if n.startswith(STACK_PREFIX)} == {account_stack_name(r) for r in logging.values()}
    for name, region in logging.items():
        account = stacks[account_stack_name(region)]
        assert account.environment.region == region
        assert account_stack_name(region) in {d.id for d in stacks[name].dependencies}


@pytest.mark.parametrize("region", sorted({MARKETS[m].region for m in SELLING}))
def test_the_account_stack_sets_the_api_gateway_cloudwatch_role(synthesised, region: str) -> None:
    template = Template.from_json(_stacks(synthesised)[account_stack_name(region)].template)
    template.resource_count_is("AWS::ApiGateway::Account", 1)
    [role_id] = template.find_resources("AWS::IAM::Role")
    template.has_resource_properties(
        "AWS::ApiGateway::Account", {"CloudWatchRoleArn": {"Fn::GetAtt": [role_id, "Arn"]}}
    )
    template.has_resource(
        "AWS::IAM::Role",
        {
            "DeletionPolicy": "Retain",  # other stacks' stages keep logging through it
            "Properties": Match.object_like(
                {
                    "AssumeRolePolicyDocument": Match.object_like(
                        {"Statement": [Match.object_like({"Principal": {"Service": "apigateway.amazonaws.com"}})]}
                    ),
                    "ManagedPolicyArns": [Match.object_like({"Fn::Join": Match.any_value()})],
                }
            ),
        },
    )
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(template.to_json())
    assert set(r["Type"] for r in template.to_json()["Resources"].values()) <= {
        "AWS::IAM::Role", "AWS::ApiGateway::Account", "AWS::CDK::Metadata",
    }  # fmt: skip


# -- no account id baked in ---------------------------------------------------------------------


def test_no_template_carries_a_literal_account_id(synthesised) -> None:
    for stack in synthesised.assembly.stacks:
        assert stack.environment.account == "unknown-account", stack.stack_name  # taken from the deployment
        assert [s for s in _strings(stack.template) if ACCOUNT_ID.search(s)] == [], stack.stack_name


# -- Powertools where AWS publishes no layer ----------------------------------------------------


def test_mena_is_a_region_without_the_managed_layer() -> None:
    assert "mena" in WITHOUT_MANAGED_LAYER  # me-central-1: Powertools writes no SSM parameter there


@pytest.mark.parametrize("market_id", SELLING)
def test_the_managed_powertools_reference_only_where_it_resolves(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    text = json.dumps(raw)
    if market_id in WITHOUT_MANAGED_LAYER:
        assert PARAMETER_PREFIX not in text
        [layer_id] = [k for k in resources(raw, "AWS::Lambda::LayerVersion") if k.startswith("LiveIngestPowertools")]
        functions = resources(raw, "AWS::Lambda::Function").values()
        assert all({"Ref": layer_id} in f["Properties"]["Layers"] for f in functions)
    else:
        assert f"resolve:ssm:{PARAMETER_PREFIX}/" in text


def _powertools_asset(synthesised, market_id: str) -> Path:
    assets = json.loads((synthesised.outdir / f"{MARKETS[market_id].stack_name}.assets.json").read_text())
    [path] = [f["source"]["path"] for f in assets["files"].values() if "PowertoolsLayer" in f.get("displayName", "")]
    return synthesised.outdir / path


def _runtime_packages(tmp_path: Path) -> Path:
    """What the Lambda Python runtime provides beside a layer (boto3, botocore, jmespath, ...)."""
    from importlib import metadata

    for name in RUNTIME_PROVIDED:
        for target, source in distribution_files(metadata.distribution(name)):
            (tmp_path / target).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / target).write_bytes(source.read_bytes())
    return tmp_path / "python"


@pytest.mark.parametrize("market_id", WITHOUT_MANAGED_LAYER)
def test_the_projects_powertools_layer_imports_at_the_pinned_release(synthesised, market_id: str, tmp_path) -> None:
    layer = _powertools_asset(synthesised, market_id) / "python"
    constraints = (REPO_DIR / "constraints.txt").read_text().splitlines()
    [pin] = [line.split("#")[0].strip().removeprefix("aws-lambda-powertools==") for line in constraints
             if line.startswith("aws-lambda-powertools==")]  # fmt: skip
    probe = (
        "import sys; sys.path[:0] = sys.argv[1:3]; import aws_lambda_powertools as p; "
        "from aws_lambda_powertools import Logger, Metrics, Tracer; import aws_xray_sdk; "
        "from aws_lambda_powertools.shared.version import VERSION; print(p.__file__, VERSION)"
    )
    # -I -S: no site-packages, so nothing resolves from this environment; only the layer and the runtime's own.
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe, str(layer), str(_runtime_packages(tmp_path))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    where, version = run.stdout.split()
    assert Path(where).is_relative_to(layer)
    assert version == pin


@pytest.mark.parametrize("market_id", WITHOUT_MANAGED_LAYER)
def test_a_compiled_dependency_without_its_runtime_build_is_a_synth_warning(synthesised, market_id: str) -> None:
    layer = _powertools_asset(synthesised, market_id) / "python"
    has_runtime_core = any(layer.glob("pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu.so"))
    messages = [
        str(m.entry.data) for m in synthesised.assembly.get_stack_by_name(MARKETS[market_id].stack_name).messages
    ]
    warned = [m for m in messages if "pydantic_core" in m and "python3.12" in m]
    assert bool(warned) != has_runtime_core  # either the layer holds the cp312 build, or synth says so


# -- reserved concurrency -------------------------------------------------------------------------


def test_each_region_is_told_what_its_functions_reserve(synthesised) -> None:
    stacks = _stacks(synthesised)
    totals: dict[str, int] = {}
    for stack in stacks.values():
        for function in resources(stack.template, "AWS::Lambda::Function").values():
            region = stack.environment.region
            totals[region] = totals.get(region, 0) + function["Properties"].get("ReservedConcurrentExecutions", 0)
    for region, total in totals.items():
        messages = [str(m.entry.data) for m in stacks[account_stack_name(region)].messages]
        [warning] = [m for m in messages if CONCURRENCY_WARNING in m or "concurrent executions" in m]
        assert f"reserve {total} concurrent executions" in warning
        assert f"at least {total + UNRESERVED_MINIMUM}" in warning


def test_the_defaults_fit_the_default_quota_with_every_market_in_one_region(synthesised) -> None:
    per_market = sum(DEFAULT_RESERVED.values())
    functions = {p.name for p in FUNCTIONS_DIR.iterdir() if (p / "handler.py").is_file()}
    assert functions == set(DEFAULT_RESERVED)  # every function reserves, none is left out of the sum
    assert per_market * len(SELLING) + UNRESERVED_MINIMUM <= ACCOUNT_CONCURRENCY
    functions_of = [resources(s.template, "AWS::Lambda::Function").values() for s in synthesised.assembly.stacks]
    reserved = [int(f["Properties"].get("ReservedConcurrentExecutions", 0)) for found in functions_of for f in found]
    assert sum(reserved) == per_market * len(SELLING)  # what the templates hold


# -- replay access logs in opt-in Regions -------------------------------------------------------


def test_mena_is_in_an_opt_in_region() -> None:
    assert MARKETS["mena"].region in OPT_IN_REGIONS


@pytest.mark.parametrize("market_id", SELLING)
def test_replay_logs_reach_the_markets_own_bucket(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    _, distribution = only(raw, "AWS::CloudFront::Distribution")
    logging = distribution["Properties"]["DistributionConfig"].get("Logging")
    if MARKETS[market_id].region not in OPT_IN_REGIONS:
        assert logging["Prefix"] == "cloudfront/"  # standard (legacy) logs into the access-log bucket
        return
    assert logging is None  # CloudFront would deliver nothing to a bucket here
    [log_policy] = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for k, p in resources(raw, "AWS::S3::BucketPolicy").items()
        if k.startswith("DataLakeAccessLogs")
    ]
    [statement] = [s for s in log_policy if s.get("Principal") == {"Service": "delivery.logs.amazonaws.com"}]
    assert statement["Action"] == "s3:PutObject" and statement["Effect"] == "Allow"
    assert json.dumps(statement["Resource"]).endswith('/cloudfront/*"]]}')
    assert json.dumps(statement["Condition"]["ArnLike"]).endswith(
        f':delivery-source:{delivery_source_name(market_id)}"]]}}}}'
    )
    assert {OUTPUT_DISTRIBUTION, OUTPUT_LOG_BUCKET} <= set(raw["Outputs"])
    messages = [
        str(m.entry.data) for m in synthesised.assembly.get_stack_by_name(MARKETS[market_id].stack_name).messages
    ]
    assert any("replay_log_sources" in m for m in messages)  # until its delivery is synthesised with the ids


def test_the_edge_logs_stack_delivers_into_the_market_bucket(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = EdgeLogsStack(app, market=MARKETS["mena"], distribution_id="E2EXAMPLE", log_bucket="mena-logs")
    enable_checks(app)
    template = Template.from_stack(stack)
    assert stack.region == "us-east-1"  # where CloudWatch Logs takes a CloudFront delivery source
    assert {r["Type"] for r in template.to_json()["Resources"].values()} <= {
        "AWS::Logs::DeliverySource", "AWS::Logs::DeliveryDestination", "AWS::Logs::Delivery", "AWS::CDK::Metadata",
    }  # fmt: skip
    partition, account = {"Ref": "AWS::Partition"}, {"Ref": "AWS::AccountId"}
    template.has_resource_properties("AWS::Logs::DeliverySource", {
        "Name": delivery_source_name("mena"), "LogType": "ACCESS_LOGS",
        "ResourceArn": {"Fn::Join": ["", ["arn:", partition, ":cloudfront::", account, ":distribution/E2EXAMPLE"]]},
    })  # fmt: skip
    [destination] = template.find_resources("AWS::Logs::DeliveryDestination")
    template.has_resource_properties("AWS::Logs::DeliveryDestination", {
        "DestinationResourceArn": {"Fn::Join": ["", ["arn:", partition, ":s3:::mena-logs/cloudfront"]]},
    })  # fmt: skip
    template.has_resource_properties("AWS::Logs::Delivery", {
        "DeliverySourceName": delivery_source_name("mena"),
        "DeliveryDestinationArn": {"Fn::GetAtt": [destination, "Arn"]},
    })  # fmt: skip
    assembly = app.synth()  # cdk-nag runs here
    assert cfn_lint(Path(assembly.get_stack_by_name(stack.stack_name).template_full_path), "us-east-1") == []


def test_the_app_adds_the_delivery_once_the_market_stack_outputs_are_given(monkeypatch, tmp_path: Path) -> None:
    import infra_cdk.app as app_module

    given = {"mena": {"distribution_id": "E2EXAMPLE", "log_bucket": "mena-logs"}}
    read = app_module.file_context
    monkeypatch.setattr(app_module, "file_context", lambda: {**read(), SOURCES_CONTEXT: json.dumps(given)})
    app = app_module.build_app(outdir=str(tmp_path), markets={"mena": MARKETS["mena"]})
    stacks = {s.stack_name: s for s in app.node.children if isinstance(s, cdk.Stack)}
    logs = stacks[edge_logs_stack_name(MARKETS["mena"])]
    assert logs.region == "us-east-1"
    assert stacks[MARKETS["mena"].stack_name] in logs.dependencies  # deployed after the distribution exists
