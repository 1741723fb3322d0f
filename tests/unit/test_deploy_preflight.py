"""``./livebase deploy``'s preflight (issue 29): against moto where it models the call (SSM, API Gateway
account), with botocore's Stubber where it does not (the account's Region opt-in, Lambda's account settings)."""

from __future__ import annotations

import subprocess
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from livebase_local.commands import deploy_preflight as preflight

REGION = "eu-central-1"
PARAMETER = "/aws/service/powertools/python/x86_64/python3.12/3.37.0"


def test_bootstrap_missing_blocks_then_present_is_ok(aws: None) -> None:
    missing = preflight.check_bootstrap(preflight.default_clients, REGION)
    assert not missing.ok and missing.blocks and "npx cdk bootstrap" in missing.detail
    boto3.client("ssm", region_name=REGION).put_parameter(Name=preflight.BOOTSTRAP_PARAMETER, Value="21", Type="String")
    found = preflight.check_bootstrap(preflight.default_clients, REGION)
    assert found.ok and "21" in found.detail


def _lambda_quota(quota: int) -> Any:
    """A Lambda client answering GetAccountSettings (moto 5.2.5 answers 404 "Not yet implemented")."""
    client = boto3.client("lambda", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_response(
        "get_account_settings",
        {"AccountLimit": {"ConcurrentExecutions": quota, "UnreservedConcurrentExecutions": quota}},
    )
    stubber.activate()
    return lambda service, region: client


def test_the_quota_must_cover_the_reserved_sum_and_the_unreserved_100() -> None:
    fits = preflight.check_concurrency(_lambda_quota(1000), REGION, 900)
    over = preflight.check_concurrency(_lambda_quota(1000), REGION, 901)
    assert fits.ok and "= 1000 needed" in fits.detail
    assert not over.ok and over.blocks and "Service Quotas" in over.detail


def test_four_markets_in_one_region_need_808() -> None:
    assert "708 + 100 unreserved = 808 needed" in preflight.check_concurrency(_lambda_quota(1000), REGION, 708).detail
    assert not preflight.check_concurrency(_lambda_quota(400), REGION, 708).ok  # a new account's lower quota


def test_the_managed_powertools_parameter_is_looked_up(aws: None) -> None:
    # moto holds no /aws/service/powertools
    missing = preflight.check_powertools_parameter(preflight.default_clients, REGION, PARAMETER)
    assert not missing.ok and missing.blocks and "not published here" in missing.detail
    arn = "arn:aws:lambda:eu-central-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:1"
    client = boto3.client("ssm", region_name=REGION)  # moto refuses puts under /aws/: AWS's answer, stubbed
    with Stubber(client) as stubber:
        stubber.add_response("get_parameter", {"Parameter": {"Name": PARAMETER, "Value": arn}}, {"Name": PARAMETER})
        found = preflight.check_powertools_parameter(lambda service, region: client, REGION, PARAMETER)
    assert found.ok and arn in found.detail


def test_the_projects_layer_needs_its_wheels() -> None:
    assert preflight.check_powertools_wheels("me-central-1", ()).ok
    missing = preflight.check_powertools_wheels("me-central-1", ("pydantic_core==2.50.5",))
    assert not missing.ok and "./livebase setup" in missing.detail


def test_the_api_gateway_role_is_reported_set_or_to_be_set(aws: None) -> None:
    finding = preflight.check_api_gateway_role(preflight.default_clients, REGION, f"Livebase-account-{REGION}")
    assert finding.ok and f"Livebase-account-{REGION}" in finding.detail


@pytest.mark.parametrize(("status", "ok"), [("ENABLED", True), ("ENABLED_BY_DEFAULT", True), ("DISABLED", False)])
def test_an_opt_in_region_must_be_enabled(status: str, ok: bool) -> None:
    client = boto3.client("account", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_region_opt_status", {"RegionName": "me-central-1", "RegionOptStatus": status},
            {"RegionName": "me-central-1"},
        )  # fmt: skip
        finding = preflight.check_opt_in(lambda service, region: client, "me-central-1")
    assert finding.ok is ok and status in finding.detail
    if not ok:
        assert "enable-region" in finding.detail


def test_a_check_that_cannot_ask_blocks_nothing() -> None:
    client = boto3.client("account", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        stubber.add_client_error("get_region_opt_status", service_error_code="AccessDeniedException")
        finding = preflight.check_opt_in(lambda service, region: client, "me-central-1")
    assert not finding.ok and not finding.blocks and "AccessDeniedException" in finding.detail


def test_docker_must_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight.shutil, "which", lambda name: None)
    assert not preflight.check_docker().ok
    monkeypatch.setattr(preflight.shutil, "which", lambda name: "/usr/bin/docker")

    def answer(code: int) -> Any:
        return lambda *args, **kwargs: subprocess.CompletedProcess(args, code, stdout="27.3.1\n", stderr="")

    assert preflight.check_docker(answer(0)).ok and "27.3.1" in preflight.check_docker(answer(0)).detail
    assert not preflight.check_docker(answer(1)).ok
