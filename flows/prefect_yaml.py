"""``prefect.yaml`` from the flow catalogue and the market table: ``python -m flows.prefect_yaml > prefect.yaml``.

prefect.yaml cannot read ``cdk.json``, so the deployments are generated here from the flow
catalogue (``flows/catalogue.py``: the table `./livebase up` serves too) and ``livebase.markets.config``
(every selling market); the committed file is checked against this output by
``tests/unit/test_prefect_yaml.py``: a flow or market added fails the tests until the file is regenerated.

Two work pools:
- ``livebase-process`` (type ``process``): one deployment per flow covering every market, for
  a local or CI worker (``prefect worker start --pool livebase-process``) against a server, with
  the schedules and triggers ``./livebase up`` serves (``flows/deployments.py``);
  ``./livebase up`` creates the pool.
- ``livebase-ecs`` (type ``ecs``, from prefect-aws; only the ECS worker needs it installed):
  one deployment per flow and selling market, whose job variables run the flow run as an ECS
  task in that market's region (the market's ``aws-credentials`` block names the region and
  its cluster, image and task role are the market's), so personal data is read where it lives;
  its schedules and triggers are the process pool's for that market.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from flows.catalogue import FLOWS, FlowSpec, ScheduleEntry, trigger_document
from livebase.aggregates.rollup import ROLLUP_ROLE_VARIABLE, rollup_role_name
from livebase.markets.config import Market, find_hq_market, load_markets, selling_markets

PROCESS_POOL = "livebase-process"
ECS_POOL = "livebase-ecs"


def schedule_document(entry: ScheduleEntry) -> dict[str, Any]:
    document: dict[str, Any] = {"cron": entry.cron, "timezone": entry.timezone}
    if entry.market:
        document |= {"slug": entry.slug, "parameters": entry.parameters}
    return document


# The Prefect variables a market's ECS job reads, each set from its stack output (`./livebase deploy`
# prints them): livebase_<market>_<name> = the output's value (subnets as a JSON list).
STACK_OUTPUT_VARIABLES: dict[str, str] = {
    "image": "FlowImageUri",
    "flow_role_arn": "FlowRoleArn",
    "execution_role_arn": "FlowExecutionRoleArn",
    "vpc_id": "FlowVpcId",
    "subnets": "FlowSubnetIds",
    "security_group": "FlowSecurityGroupId",
    "log_group": "FlowLogGroupName",
    "prefect_api_key_secret_arn": "FlowPrefectApiKeySecretArn",
    "forecast_image_uri": "FlowImageUri",
    "forecast_role_arn": "ForecastJobRoleArn",
}


def _variable(market: Market, name: str) -> str:
    return f"{{{{ prefect.variables.livebase_{market.id}_{name} }}}}"


def task_environment(market: Market) -> dict[str, str]:
    """The flow task's variables: its market and Region, and hq's roll-up reader (regional-processing assumes it)."""
    environment = {"AWS_REGION": market.region, "AWS_DEFAULT_REGION": market.region, "LIVEBASE_MARKET": market.id}
    hq = find_hq_market(load_markets())
    return environment | ({ROLLUP_ROLE_VARIABLE: rollup_role_name(hq.id)} if hq else {})


def ecs_job_variables(market: Market, spec: FlowSpec) -> dict[str, Any]:
    """A Fargate task in the market's flow runtime (infra_cdk/components/flow_runtime.py): its cluster,
    image, roles, subnets and log group, the Prefect API key from the market's secret."""
    cpu, memory = spec.ecs_size
    return {
        "aws_credentials": f"{{{{ prefect.blocks.aws-credentials.livebase-{market.id} }}}}",  # region_name: region
        "cluster": f"livebase-{market.id}",
        "image": _variable(market, "image"),
        "task_role_arn": _variable(market, "flow_role_arn"),
        "execution_role_arn": _variable(market, "execution_role_arn"),
        "vpc_id": _variable(market, "vpc_id"),
        "network_configuration": {
            "subnets": _variable(market, "subnets"),
            "securityGroups": [_variable(market, "security_group")],
            "assignPublicIp": "ENABLED",  # public subnets, no NAT (flow_network.py): egress to Prefect, ECR, AWS APIs
        },
        "cpu": cpu,
        "memory": memory,
        "env": task_environment(market),
        "configure_cloudwatch_logs": True,
        "cloudwatch_logs_options": {"awslogs-group": _variable(market, "log_group")},
        "prefect_api_key_secret_arn": _variable(market, "prefect_api_key_secret_arn"),
    }


def market_deployment(market: Market, spec: FlowSpec) -> dict[str, Any]:
    """One flow in one market's region: its ECS job, its schedules and triggers narrowed to the market."""
    schedules = [entry for entry in spec.schedules([market]) if entry.market in (None, market.id)]
    zones = sorted({entry.timezone for entry in schedules})
    deployment: dict[str, Any] = {
        "name": market.id,
        "entrypoint": spec.entrypoint,
        "description": f"{spec.description} Market {market.id} ({market.region}"
        + (f", schedule in {', '.join(zones)})." if zones else ")."),
        "tags": [*spec.tags, f"market:{market.id}"],
        "parameters": spec.market_parameters(market.id),
        # Each market's worker polls its own queue of the shared pool (flow_runtime.py's FlowWorkQueueName).
        "work_pool": {
            "name": ECS_POOL,
            "work_queue_name": f"livebase-{market.id}",
            "job_variables": ecs_job_variables(market, spec),
        },
    }
    triggers = [trigger_document(t) for t in spec.market_triggers(market.id)]
    return deployment | _timing(schedules, triggers, spec.market_concurrency)


def local_deployment(spec: FlowSpec, markets: list[Market]) -> dict[str, Any]:
    """One flow for every selling market on the process pool: the schedules and triggers `up` serves."""
    deployment: dict[str, Any] = {
        "name": "local",
        "entrypoint": spec.entrypoint,
        "description": f"{spec.description} Every selling market, on a local process worker.",
        "tags": list(spec.tags),
        "work_pool": {"name": PROCESS_POOL, "job_variables": {}},
    }
    return deployment | _timing(spec.schedules(markets), [trigger_document(t) for t in spec.event_triggers()])


def _timing(
    schedules: list[ScheduleEntry], triggers: list[dict[str, Any]], concurrency: int | None = None
) -> dict[str, Any]:
    """The optional keys: schedules, a concurrency limit (later runs wait: ENQUEUE), triggers."""
    keys: dict[str, Any] = {}
    if schedules:
        keys["schedules"] = [schedule_document(entry) for entry in schedules]
    if concurrency:
        keys["concurrency_limit"] = {"limit": concurrency, "collision_strategy": "ENQUEUE"}
    if triggers:
        keys["triggers"] = triggers
    return keys


def render(markets: dict[str, Market] | None = None) -> str:
    selling = selling_markets(markets if markets is not None else load_markets())
    body = {
        "name": "livebase",
        "prefect-version": "3.9.1",
        "build": None,
        "push": None,
        # The project is installed in the image (and in .venv locally); flows run from its checkout.
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $LIVEBASE_HOME }}"}}],
        "deployments": [local_deployment(s, selling) for s in FLOWS]
        + [market_deployment(m, s) for s in FLOWS for m in selling],
    }
    header = (
        "# Generated by `python -m flows.prefect_yaml > prefect.yaml` from flows/catalogue.py and cdk.json's markets:\n"
        "# do not edit. `./livebase up` serves the same flows, schedules and triggers (flows/deployments.py).\n"
        "# Work pools: livebase-process (local / CI worker), livebase-ecs (prefect-aws ECS worker, cloud).\n"
        "# Per-market deployments read Prefect blocks and variables at `prefect deploy` time:\n"
        "#   aws-credentials/livebase-<market> (region_name = the market's region),\n"
        "#   livebase_<market>_<name>, each from the market stack's output (STACK_OUTPUT_VARIABLES: image,\n"
        "#   flow_role_arn, execution_role_arn, vpc_id, subnets, security_group, log_group,\n"
        "#   prefect_api_key_secret_arn; forecast-scaleout's forecast_image_uri, forecast_role_arn, kms_key_arn).\n"
        "# Each market's ECS worker polls the work queue livebase-<market> of livebase-ecs.\n"
        "# LIVEBASE_HOME: the checkout the flows run from (the image's, or this repository).\n"
    )
    return header + yaml.safe_dump(body, sort_keys=False, width=120)


if __name__ == "__main__":
    sys.stdout.write(render())
