"""The deployment options of the market table, synthesised: functions in a VPC with endpoints, reserved
concurrency overrides, a custom replay domain with its certificate, a CloudFront web ACL (standard only)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra_cdk.components.network import INTERFACE_SERVICES, OUTSIDE_VPC
from infra_cdk.scan import cfn_lint, checkov, checkov_executable, templates
from livebase.markets.config import MarketConfigError, parse_markets, read_json
from livebase.markets.config import cdk_json_path as config_path

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8899-aabbccddeeff"
WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/replays/0f1e2d3c-4b5a-6978-8899-aabbccddeeff"


def table() -> dict[str, Any]:
    markets = read_json(config_path())["context"]["markets"]
    eu = {**markets["eu"], "functions": {"vpc": True},
          "edge": {"domain_name": "replays.eu.example.com", "certificate_arn": CERTIFICATE}}  # fmt: skip
    na = {**markets["na"], "functions": {"reserved_concurrency": {"ingest": 120, "orders": 80}},
          "edge": {"web_acl_arn": WEB_ACL}}  # fmt: skip
    return {"eu": eu, "na": na}


@pytest.fixture(scope="module")
def options(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    from infra_cdk.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    assembly = build_app(outdir=str(outdir), markets=table()).synth()  # cdk-nag: a finding raises
    yield outdir, assembly


def raw(options: tuple[Path, Any], market_id: str) -> dict[str, Any]:
    return dict(options[1].get_stack_by_name(f"Livebase-{market_id}").template)


def resources(template: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def test_a_strict_market_refuses_a_cloudfront_web_acl() -> None:
    markets = read_json(config_path())["context"]["markets"]
    with pytest.raises(MarketConfigError, match="strict residency refuses it"):
        parse_markets({"eu": {**markets["eu"], "edge": {"web_acl_arn": WEB_ACL}}})
    elsewhere = CERTIFICATE.replace("us-east-1", "us-west-2")  # CloudFront takes certificates from us-east-1 only
    with pytest.raises(MarketConfigError, match="us-east-1"):
        parse_markets({"na": {**markets["na"], "edge": {"domain_name": "r.example.com", "certificate_arn": elsewhere}}})


def test_the_options_synthesise_clean_of_cdk_nag_and_cfn_lint(options: tuple[Path, Any]) -> None:
    outdir, _ = options
    report = json.loads((outdir / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])] == []
    linted = {path.name: cfn_lint(path, region) for path, region in templates(outdir).items()}
    assert {name: found for name, found in linted.items() if found} == {}
    executable = checkov_executable(install=False)
    if executable is not None and Path(executable).exists():
        assert checkov(outdir, executable) == []


def test_functions_in_private_subnets_reaching_aws_through_endpoints_only(options: tuple[Path, Any]) -> None:
    template = raw(options, "eu")
    # the functions' network (the flow runtime's own VPC, with its internet gateway: test_flow_runtime.py)
    types = {r["Type"] for k, r in template["Resources"].items() if not k.startswith("FlowRuntime")}
    assert not types & {"AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EIP"}
    endpoints = resources(template, "AWS::EC2::VPCEndpoint").values()
    kinds = sorted(e["Properties"].get("VpcEndpointType", "Gateway") for e in endpoints)
    assert kinds == ["Gateway"] * 2 + ["Interface"] * len(INTERFACE_SERVICES)
    assert len([k for k in resources(template, "AWS::EC2::FlowLog") if not k.startswith("FlowRuntime")]) == 1
    [(group_id, _)] = [(k, g) for k, g in resources(template, "AWS::EC2::SecurityGroup").items() if "Functions" in k]
    for function in resources(template, "AWS::Lambda::Function").values():
        props = function["Properties"]
        folder = props["FunctionName"].removeprefix("livebase-eu-")
        if folder in OUTSIDE_VPC:
            assert "VpcConfig" not in props
        else:
            assert props["VpcConfig"]["SecurityGroupIds"] == [{"Fn::GetAtt": [group_id, "GroupId"]}], folder
            assert len(props["VpcConfig"]["SubnetIds"]) == 2


def test_custom_domain_serves_tls_1_2_with_the_market_certificate(options: tuple[Path, Any]) -> None:
    [distribution] = resources(raw(options, "eu"), "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    assert config["Aliases"] == ["replays.eu.example.com"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE, "SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021",
    }  # fmt: skip
    assert "WebACLId" not in config  # strict: no us-east-1 web ACL


def test_a_standard_market_attaches_its_web_acl_and_overrides_concurrency(options: tuple[Path, Any]) -> None:
    template = raw(options, "na")
    [distribution] = resources(template, "AWS::CloudFront::Distribution").values()
    assert distribution["Properties"]["DistributionConfig"]["WebACLId"] == WEB_ACL
    skipped = {s["id"] for s in distribution.get("Metadata", {}).get("checkov", {}).get("skip", [])}
    assert "CKV_AWS_68" not in skipped
    reserved = {
        f["Properties"]["FunctionName"]: f["Properties"]["ReservedConcurrentExecutions"]
        for f in resources(template, "AWS::Lambda::Function").values()
    }
    assert (reserved["livebase-na-ingest"], reserved["livebase-na-orders"], reserved["livebase-na-erasure"]) == (
        120, 80, 2,
    )  # fmt: skip
