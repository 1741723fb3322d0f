"""``./livebase deploy``: the platform team's first (and every) deploy into a real account (issue 29).

With credentials it synthesises the app, runs the preflight of every target Region
(``livebase_local.commands.deploy_preflight``) and prints the plan; then deploys with the pinned
CDK CLI (``npx cdk deploy <stack> --exclusively --require-approval never``), in order: the account
stacks (``Livebase-account-<region>``), hq, each selling market (its media stack first where it has
one: the market stack depends on it), with hq's outputs passed as context (``hq_aggregates_bucket``,
``hq_aggregates_key_arn``), then the edge-logs stack of a market in an opt-in Region with
``replay_log_sources`` from that market's outputs (the second synth). It prints each stack's
outputs and the Prefect work pools to create. ``--dry-run`` prints the plan and the findings
only; a finding that blocks stops a real deploy before anything is deployed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml

from livebase.markets.config import Market, find_hq_market, load_markets, selling_markets
from livebase_local.assembly_cache import synthesise
from livebase_local.commands.deploy_preflight import (
    Clients,
    Finding,
    check_api_gateway_role,
    check_bootstrap,
    check_concurrency,
    check_docker,
    check_opt_in,
    check_powertools_parameter,
    check_powertools_wheels,
    default_clients,
)

HQ_BUCKET_OUTPUT = "DataLakeBucketName"  # livebase.markets.resources.OUTPUTS["data_lake_bucket"]
Deployer = Callable[[str, Mapping[str, str]], None]  # (stack, context) -> deployed


@dataclass(frozen=True)
class PlannedStack:
    name: str
    region: str
    kind: str  # account | hq | media | market | edge-logs
    after: str = ""  # what it waits for, in words


@dataclass
class DeployPlan:
    stacks: list[PlannedStack]
    reserved: dict[str, int]  # reserved concurrency per Region, from the synthesised templates
    market_regions: set[str]  # Regions with functions (and their Powertools layer)
    missing_wheels: tuple[str, ...] = ()
    findings: list[Finding] = field(default_factory=list)


def _templates(assembly_dir: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """stack name -> (Region, template), from the cloud assembly's manifest."""
    manifest = json.loads((assembly_dir / "manifest.json").read_text(encoding="utf-8"))
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        props = artifact["properties"]
        template = json.loads((assembly_dir / props["templateFile"]).read_text(encoding="utf-8"))
        name = props.get("stackName") or Path(props["templateFile"]).name.removesuffix(".template.json")
        found[name] = (artifact["environment"].rsplit("/", 1)[-1], template)
    return found


def build_plan(assembly_dir: Path, markets: Mapping[str, Market]) -> DeployPlan:
    """The stacks to deploy, in order, and what the preflight needs, from a synthesised assembly."""
    from infra_cdk.account_stack import STACK_PREFIX
    from infra_cdk.components.edge import OPT_IN_REGIONS
    from infra_cdk.edge_logs_stack import edge_logs_stack_name
    from infra_cdk.media_stack import media_stack_name

    templates = _templates(assembly_dir)
    reserved: dict[str, int] = defaultdict(int)
    for region, template in templates.values():
        for resource in template.get("Resources", {}).values():
            if resource.get("Type") == "AWS::Lambda::Function":
                reserved[region] += int(resource["Properties"].get("ReservedConcurrentExecutions", 0))
    stacks = [PlannedStack(n, r, "account") for n, (r, _) in sorted(templates.items()) if n.startswith(STACK_PREFIX)]
    hq = find_hq_market(markets)
    if hq is not None and hq.stack_name in templates:
        stacks.append(PlannedStack(hq.stack_name, hq.region, "hq", "the account stacks"))
    for market in selling_markets(markets):
        if media_stack_name(market) in templates:
            stacks.append(PlannedStack(media_stack_name(market), market.media_region or "", "media", "hq"))
        if market.stack_name in templates:
            stacks.append(PlannedStack(market.stack_name, market.region, "market", "hq's outputs as context"))
        if market.region in OPT_IN_REGIONS and market.stack_name in templates:
            stacks.append(PlannedStack(edge_logs_stack_name(market), "us-east-1", "edge-logs",
                                       f"{market.stack_name}'s outputs as replay_log_sources"))  # fmt: skip
    market_regions = {m.region for m in markets.values() if m.stack_name in templates}
    return DeployPlan(stacks, dict(reserved), market_regions)


def run_preflight(plan: DeployPlan, clients: Clients, docker: Callable[[], Finding] = check_docker) -> list[Finding]:
    """Every check of every target Region (module docstring of ``deploy_preflight``)."""
    from infra_cdk.account_stack import account_stack_name
    from infra_cdk.components.edge import OPT_IN_REGIONS
    from infra_cdk.components.functions import ARCHITECTURE, RUNTIME
    from infra_cdk.components.powertools import has_managed_layer, installed_version, layer_parameter_name
    from infra_cdk.powertools_staging import powertools_layer_files

    findings: list[Finding] = []
    parameter = layer_parameter_name(RUNTIME, ARCHITECTURE, installed_version())
    account_regions = {s.region for s in plan.stacks if s.kind == "account"}
    for region in sorted({s.region for s in plan.stacks}):
        findings.append(check_bootstrap(clients, region))
        if region in OPT_IN_REGIONS:
            findings.append(check_opt_in(clients, region))
        if region in plan.reserved:
            findings.append(check_concurrency(clients, region, plan.reserved[region]))
        if region in plan.market_regions:
            if has_managed_layer(region):
                findings.append(check_powertools_parameter(clients, region, parameter))
            else:
                findings.append(check_powertools_wheels(region, powertools_layer_files()[1]))
        if region in account_regions:
            findings.append(check_api_gateway_role(clients, region, account_stack_name(region)))
    findings.append(docker())
    return findings


def work_pools_text(markets: Mapping[str, Market]) -> list[str]:
    """The Prefect work pools, queues and deployments to create (``flows/prefect_yaml.py``)."""
    from flows.prefect_yaml import ECS_POOL, PROCESS_POOL, render
    from infra_cdk.components.flow_runtime import work_queue_name

    deployments = yaml.safe_load(render(dict(markets)))["deployments"]
    per_pool: dict[str, int] = defaultdict(int)
    for deployment in deployments:
        per_pool[deployment["work_pool"]["name"]] += 1
    queues = ", ".join(work_queue_name(m.id) for m in selling_markets(markets))
    return [
        "Prefect work pools to create (then `prefect deploy --all` from the repository root):",
        f"  prefect work-pool create --type ecs {ECS_POOL}    # {per_pool[ECS_POOL]} deployments; each market's "
        f"worker polls its queue: {queues}",
        f"  prefect work-pool create --type process {PROCESS_POOL}    # {per_pool[PROCESS_POOL]} deployments "
        "(a local or CI worker)",
    ]


def cdk_deploy(stack: str, context: Mapping[str, str]) -> None:
    """One stack with the pinned CDK CLI (the app is re-synthesised with ``context``)."""
    command = ["npx", "cdk", "deploy", stack, "--exclusively", "--require-approval", "never"]
    for key, value in context.items():
        command += ["-c", f"{key}={value}"]
    subprocess.run(command, check=True)


def stack_outputs(clients: Clients, stack: PlannedStack) -> dict[str, str]:
    [described] = clients("cloudformation", stack.region).describe_stacks(StackName=stack.name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def deploy_in_order(
    plan: DeployPlan, markets: Mapping[str, Market], clients: Clients, deployer: Deployer = cdk_deploy
) -> None:
    """Deploy the plan's stacks in order, carrying hq's and each market's outputs forward as context."""
    from infra_cdk.components.edge import OUTPUT_DISTRIBUTION, OUTPUT_LOG_BUCKET
    from infra_cdk.components.flow_role import HQ_BUCKET_CONTEXT, HQ_KEY_CONTEXT, HQ_KEY_OUTPUT
    from infra_cdk.edge_logs_stack import SOURCES_CONTEXT

    context: dict[str, str] = {}
    log_sources: dict[str, dict[str, str]] = {}
    by_stack = {m.stack_name: m for m in markets.values()}
    for stack in plan.stacks:
        print(f"deploying {stack.name} ({stack.region})...", flush=True)
        deployer(stack.name, context)
        outputs = stack_outputs(clients, stack)
        for key, value in sorted(outputs.items()):
            print(f"  {key} = {value}")
        if stack.kind == "hq":
            context[HQ_BUCKET_CONTEXT] = outputs[HQ_BUCKET_OUTPUT]
            context[HQ_KEY_CONTEXT] = outputs[HQ_KEY_OUTPUT]
        if stack.kind == "market" and OUTPUT_DISTRIBUTION in outputs:
            market = by_stack[stack.name]
            log_sources[market.id] = {
                "distribution_id": outputs[OUTPUT_DISTRIBUTION], "log_bucket": outputs[OUTPUT_LOG_BUCKET],
            }  # fmt: skip
            context[SOURCES_CONTEXT] = json.dumps(log_sources, separators=(",", ":"))


def plan_text(plan: DeployPlan, account: str) -> list[str]:
    lines = [f"deploy plan (account {account}, {len({s.region for s in plan.stacks})} Regions):"]
    for number, stack in enumerate(plan.stacks, 1):
        after = f", after {stack.after}" if stack.after else ""
        lines.append(f"  {number}. {stack.name} ({stack.region}, {stack.kind}{after})")
    reserved = ", ".join(f"{region} {total}" for region, total in sorted(plan.reserved.items()) if total)
    lines.append(f"reserved concurrency per Region: {reserved or 'none'}")
    return lines


def add_deploy_parser(commands: Any) -> None:
    deploy = commands.add_parser("deploy", help="preflight, plan and deploy every stack into your AWS account")
    deploy.add_argument("--dry-run", action="store_true", help="print the plan and the preflight findings only")
    deploy.add_argument("--assembly", default=None, help="a synthesised cdk.out to plan from (default: synth now)")


def run_deploy(args: argparse.Namespace, clients: Clients = default_clients) -> int:
    """The command (module docstring); 2 when a finding blocks a real deploy or there are no credentials."""
    if boto3.Session().get_credentials() is None:
        print("livebase: deploy needs AWS credentials (a profile, SSO or environment variables)")
        return 2
    markets = load_markets()
    with tempfile.TemporaryDirectory(prefix="livebase-deploy-") as scratch:
        assembly = Path(args.assembly) if args.assembly else synthesise(Path(scratch))
        plan = build_plan(assembly, markets)
    account = clients("sts", "us-east-1").get_caller_identity()["Account"]
    for line in plan_text(plan, account):
        print(line)
    findings = run_preflight(plan, clients)
    print("preflight:")
    for finding in findings:
        print(f"  {finding.line()}")
    blocking = [f for f in findings if not f.ok and f.blocks]
    if args.dry_run:
        print(f"dry run: nothing deployed ({len(blocking)} finding(s) would block a deploy)")
        for line in work_pools_text(markets):
            print(line)
        return 0
    if blocking:
        print(f"livebase: {len(blocking)} finding(s) block the deploy: fix them and run it again")
        return 2
    deploy_in_order(plan, markets, clients)
    for line in work_pools_text(markets):
        print(line)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="livebase")
    add_deploy_parser(parser.add_subparsers(dest="command", required=True))
    return run_deploy(parser.parse_args(argv))
