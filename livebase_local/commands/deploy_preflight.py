"""What ``./livebase deploy`` checks in the target account before the first ``cdk deploy`` (issue 29).

Each check asks one AWS API in one Region and says what it found, as a :class:`Finding`; a finding
that is not ``ok`` and ``blocks`` stops a real deploy (``--dry-run`` only prints it). Checks:
CDK bootstrap (its SSM version parameter), opt-in Regions enabled (``account.get_region_opt_status``),
Lambda's concurrency quota against the Region's reserved sum + the 100 Lambda keeps unreserved,
the Powertools layer's public SSM parameter where the managed layer is used (the python3.12 wheels
where the project ships its own), the API Gateway CloudWatch role, Docker for the image assets.
A check that cannot ask (an API the endpoint does not model, access denied) says so and blocks
nothing: the deploy itself will tell.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from livebase.aws import retry_config
from livebase.markets.deployment import UNRESERVED_MINIMUM

BOOTSTRAP_PARAMETER = "/cdk-bootstrap/hnb659fds/version"  # the default qualifier's stack version
ENABLED = frozenset({"ENABLED", "ENABLED_BY_DEFAULT"})
Clients = Callable[[str, str], Any]  # (service, region) -> a boto3 client


@dataclass(frozen=True)
class Finding:
    region: str  # "-" for the machine (Docker)
    check: str
    ok: bool
    detail: str
    blocks: bool = True  # a failed check that stops a real deploy

    def line(self) -> str:
        mark = "ok" if self.ok else ("BLOCKS" if self.blocks else "warn")
        return f"[{mark}] {self.region} {self.check}: {self.detail}"


def default_clients(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, config=retry_config(2))  # type: ignore[call-overload]


def _could_not(region: str, check: str, error: Exception) -> Finding:
    code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
    return Finding(
        region, check, False, f"could not check ({code or type(error).__name__}); the deploy will tell", False
    )


def _ssm_parameter(
    clients: Clients, region: str, check: str, name: str, missing: str, found: Callable[[str], str]
) -> Finding:
    """``check`` by SSM parameter ``name`` in ``region``: ok with ``found(value)``; no parameter blocks with
    ``missing``; a parameter that cannot be read blocks nothing."""
    try:
        value = clients("ssm", region).get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return Finding(region, check, False, missing)
        return _could_not(region, check, error)
    except BotoCoreError as error:
        return _could_not(region, check, error)
    return Finding(region, check, True, found(value))


def check_bootstrap(clients: Clients, region: str) -> Finding:
    missing = f"not bootstrapped: npx cdk bootstrap aws://<account>/{region}"
    return _ssm_parameter(
        clients, region, "cdk bootstrap", BOOTSTRAP_PARAMETER, missing, lambda version: f"bootstrap version {version}"
    )


def check_opt_in(clients: Clients, region: str) -> Finding:
    check = "opt-in Region"
    try:
        status = clients("account", "us-east-1").get_region_opt_status(RegionName=region)["RegionOptStatus"]
    except (ClientError, BotoCoreError) as error:
        return _could_not(region, check, error)
    if status in ENABLED:
        return Finding(region, check, True, status)
    return Finding(region, check, False, f"{status}: enable it (aws account enable-region --region-name {region})")


def check_concurrency(clients: Clients, region: str, reserved: int) -> Finding:
    check = "Lambda concurrency quota"
    try:
        quota = int(clients("lambda", region).get_account_settings()["AccountLimit"]["ConcurrentExecutions"])
    except (ClientError, BotoCoreError) as error:
        return _could_not(region, check, error)
    needed = reserved + UNRESERVED_MINIMUM
    detail = f"quota {quota}, reserved {reserved} + {UNRESERVED_MINIMUM} unreserved = {needed} needed"
    if quota >= needed:
        return Finding(region, check, True, detail)
    return Finding(region, check, False, f"{detail}: ask Service Quotas for more, or lower reserved_concurrency")


def check_powertools_parameter(clients: Clients, region: str, parameter: str) -> Finding:
    missing = f"{parameter} not published here: the stack cannot resolve it"
    return _ssm_parameter(
        clients, region, "Powertools layer (managed)", parameter, missing, lambda arn: f"{parameter} -> {arn}"
    )


def check_powertools_wheels(region: str, missing: tuple[str, ...]) -> Finding:
    check = "Powertools layer (the project's)"
    if missing:
        return Finding(region, check, False, f"no python3.12 wheels of {', '.join(missing)} in build/wheels/: "
                       "run ./livebase setup (it fetches them)")  # fmt: skip
    return Finding(region, check, True, "staged with the runtime's compiled wheels")


def check_api_gateway_role(clients: Clients, region: str, account_stack: str) -> Finding:
    check = "API Gateway CloudWatch role"
    try:
        role = clients("apigateway", region).get_account().get("cloudwatchRoleArn")
    except (ClientError, BotoCoreError) as error:
        return _could_not(region, check, error)
    if role:
        return Finding(region, check, True, f"set ({role}); {account_stack} keeps it set")
    return Finding(region, check, True, f"none yet: {account_stack} sets it, deployed before the Region's stacks")


def check_docker(run: Callable[..., Any] = subprocess.run) -> Finding:
    check = "Docker (the flow runtime's image assets)"
    if shutil.which("docker") is None:
        return Finding("-", check, False, "no docker command: cdk deploy builds the flows' image with it")
    answer = run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, check=False)
    if answer.returncode != 0:
        return Finding("-", check, False, "docker is installed but its daemon does not answer (docker info)")
    return Finding("-", check, True, f"server {answer.stdout.strip()}")
