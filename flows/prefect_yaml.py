"""``prefect.yaml`` from the market table: ``python -m flows.prefect_yaml > prefect.yaml``.

prefect.yaml cannot read ``cdk.json``, so the per-market deployments are generated here from
``livebase.markets.config`` (every selling market) and the committed file is checked against
this output by ``tests/unit/test_prefect_yaml.py``: a market added to cdk.json fails the tests
until the file is regenerated.

Two work pools:
- ``livebase-process`` (type ``process``): one deployment per flow covering every market, for
  a local or CI worker (``prefect worker start --pool livebase-process``) against a server;
  ``./livebase up`` creates the pool and serves the same flows itself (``flows/deployments.py``).
- ``livebase-ecs`` (type ``ecs``, from prefect-aws; only the ECS worker needs it installed):
  one deployment per flow and selling market, whose job variables run the flow run as an ECS
  task in that market's region (the market's ``aws-credentials`` block names the region and
  its cluster, image and task role are the market's), so personal data is read where it lives.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import yaml

from livebase.markets.config import Market, load_markets, selling_markets

PROCESS_POOL = "livebase-process"
ECS_POOL = "livebase-ecs"
ROOM_RESOURCE_PREFIX = "livebase.room."  # flows.room_alerts; literal here so the generator imports no flow
MARKET_RESOURCE_PREFIX = "livebase.market."  # flows.triggers


@dataclass(frozen=True)
class FlowSpec:
    name: str
    entrypoint: str
    description: str
    tags: tuple[str, ...]
    cron: str | None = None
    market_parameter: str = "markets"  # how a per-market deployment names its market ("markets": a list)
    ecs_size: tuple[int, int] = (1024, 2048)  # cpu units, memory MiB
    extra: dict[str, Any] = field(default_factory=dict)  # per-market parameters from Prefect variables


FLOWS = (
    FlowSpec(
        "order-to-replenish", "flows/order_to_replenish.py:order_to_replenish",
        "Hourly and on stock.low: decisions, purchase orders, WMS hand-off (one run per market at a time).",
        ("livebase", "replenishment"), cron="0 * * * *",
    ),
    FlowSpec(
        "demand-forecasting", "flows/demand_forecasting.py:demand_forecasting",
        "Nightly: every SKU forecast in chunks, results in the market's region.",
        ("livebase", "forecasting"), cron="0 2 * * *", ecs_size=(4096, 16384),
    ),
    FlowSpec(
        "forecast-scaleout", "flows/forecast_scaleout.py:forecast_scaleout",
        "On demand: the nightly forecast as a SageMaker processing job in the market's region.",
        ("livebase", "forecasting", "sagemaker"), market_parameter="market", ecs_size=(256, 512),
        extra={"image_uri": "forecast_image_uri", "role_arn": "forecast_role_arn", "kms_key_arn": "kms_key_arn"},
    ),
    FlowSpec(
        "room-alert", "flows/room_alerts.py:room_alert",
        "On livebase.room.alert: the alert and its numbers shown to ops (artifact room-alert-<market>).",
        ("livebase", "rooms"), market_parameter="market", ecs_size=(256, 512),
    ),
    FlowSpec(
        "session-planning", "flows/session_planning.py:session_planning",
        "Daily: tomorrow's sessions of the market (when, line-up, presales, tracks, host), plan JSON, channels.",
        ("livebase", "sessions"), cron="0 6 * * *", ecs_size=(1024, 2048),
    ),
    FlowSpec(
        "session-channels", "flows/session_planning.py:session_channels",
        "Every 5 minutes: the planned sessions' channels started before, stopped after, cleaned up after.",
        ("livebase", "sessions"), cron="*/5 * * * *", ecs_size=(256, 512),
    ),
    FlowSpec(
        "experiment-analysis", "flows/session_experiments.py:experiment_analysis",
        "On demand: an A/B experiment's arms compared (conversion, CI, z-test, sample needed, verdict).",
        ("livebase", "sessions", "experiments"), market_parameter="market", ecs_size=(256, 512),
    ),
    FlowSpec(
        "regional-processing", "flows/regional_processing.py:regional_processing",
        "Nightly, in the market's region: lifecycle, recall list in-region, aggregates only (k) to hq, roll-up.",
        ("livebase", "privacy", "lifecycle"), cron="30 3 * * *", ecs_size=(2048, 8192),
    ),
    FlowSpec(
        "business-case", "flows/business_case.py:business_case",
        "On demand: the seed report's finance model on measured figures (NPV, IRR, break-even, tornado, "
        "Monte Carlo), with a one-page HTML report.",
        ("livebase", "finance"), ecs_size=(1024, 2048),
    ),
    FlowSpec(
        "passport-anchoring", "flows/passport_anchoring.py:passport_anchoring",
        "Daily: the Merkle root of yesterday's passport chain heads, locked (Object Lock) in the market's region.",
        ("livebase", "passport"), cron="15 0 * * *", ecs_size=(256, 512),
    ),
)  # fmt: skip


def stock_low_trigger(market: str) -> dict[str, Any]:
    """flows.triggers.stock_low_trigger, for one market's deployment."""
    return {
        "type": "event", "name": f"stock-low-{market}", "enabled": True, "posture": "Reactive",
        "expect": ["livebase.stock.low", "livebase.stock.out"],
        "match": {"prefect.resource.id": f"{MARKET_RESOURCE_PREFIX}{market}"},
        "threshold": 1, "within": 600, "parameters": {"markets": [market]},
    }  # fmt: skip


def room_alert_trigger(market: str) -> dict[str, Any]:
    """flows/automations/room-alert.yaml's trigger and parameters, for one market's rooms."""
    return {
        "type": "event", "name": f"room-alert-{market}", "enabled": True, "posture": "Reactive",
        "expect": ["livebase.room.alert"], "match": {"prefect.resource.id": f"{ROOM_RESOURCE_PREFIX}{market}.*"},
        "for_each": ["prefect.resource.id", "livebase.alert.kind"], "threshold": 1, "within": 300,
        "parameters": {
            "market": market, "room_id": "{{ event.resource['livebase.room'] }}",
            "kind": "{{ event.resource['livebase.alert.kind'] }}",
            "evidence": {"__prefect_kind": "json",
                         "value": {"__prefect_kind": "jinja", "template": "{{ event.payload | tojson }}"}},
        },
    }  # fmt: skip


def ecs_job_variables(market: Market, spec: FlowSpec) -> dict[str, Any]:
    cpu, memory = spec.ecs_size
    return {
        "aws_credentials": f"{{{{ prefect.blocks.aws-credentials.livebase-{market.id} }}}}",  # region_name: region
        "cluster": f"livebase-{market.id}",
        "image": f"{{{{ prefect.variables.livebase_{market.id}_image }}}}",
        "task_role_arn": f"{{{{ prefect.variables.livebase_{market.id}_flow_role_arn }}}}",
        "cpu": cpu,
        "memory": memory,
        "env": {"AWS_REGION": market.region, "AWS_DEFAULT_REGION": market.region, "LIVEBASE_MARKET": market.id},
        "configure_cloudwatch_logs": True,
    }


def market_deployment(market: Market, spec: FlowSpec) -> dict[str, Any]:
    value: Any = [market.id] if spec.market_parameter == "markets" else market.id
    parameters = {spec.market_parameter: value}
    parameters |= {k: f"{{{{ prefect.variables.livebase_{market.id}_{v} }}}}" for k, v in spec.extra.items()}
    deployment: dict[str, Any] = {
        "name": market.id,
        "entrypoint": spec.entrypoint,
        "description": f"{spec.description} Market {market.id} ({market.region}, schedule in {market.time_zone}).",
        "tags": [*spec.tags, f"market:{market.id}"],
        "parameters": parameters,
        "work_pool": {"name": ECS_POOL, "job_variables": ecs_job_variables(market, spec)},
    }
    if spec.cron:
        deployment["schedules"] = [{"cron": spec.cron, "timezone": market.time_zone}]
    if spec.name == "order-to-replenish":
        # No second ECS task while one runs (ENQUEUE); the flow's per-market limit is the guarantee.
        deployment["concurrency_limit"] = {"limit": 1, "collision_strategy": "ENQUEUE"}
        deployment["triggers"] = [stock_low_trigger(market.id)]
    if spec.name == "room-alert":
        deployment["triggers"] = [room_alert_trigger(market.id)]
    return deployment


def local_deployment(spec: FlowSpec) -> dict[str, Any]:
    deployment: dict[str, Any] = {
        "name": "local",
        "entrypoint": spec.entrypoint,
        "description": f"{spec.description} Every selling market, on a local process worker.",
        "tags": list(spec.tags),
        "work_pool": {"name": PROCESS_POOL, "job_variables": {}},
    }
    if spec.cron:
        deployment["schedules"] = [{"cron": spec.cron, "timezone": "UTC"}]
    return deployment


def render(markets: dict[str, Market] | None = None) -> str:
    selling = selling_markets(markets if markets is not None else load_markets())
    body = {
        "name": "livebase",
        "prefect-version": "3.9.1",
        "build": None,
        "push": None,
        # The project is installed in the image (and in .venv locally); flows run from its checkout.
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $LIVEBASE_HOME }}"}}],
        "deployments": [local_deployment(s) for s in FLOWS] + [market_deployment(m, s) for s in FLOWS for m in selling],
    }
    header = (
        "# Generated by `python -m flows.prefect_yaml > prefect.yaml` from cdk.json's markets: do not edit.\n"
        "# Work pools: livebase-process (local / CI worker), livebase-ecs (prefect-aws ECS worker, cloud).\n"
        "# Per-market deployments read Prefect blocks and variables at `prefect deploy` time:\n"
        "#   aws-credentials/livebase-<market> (region_name = the market's region),\n"
        "#   livebase_<market>_image, livebase_<market>_flow_role_arn, and for forecast-scaleout\n"
        "#   livebase_<market>_forecast_image_uri, _forecast_role_arn, _kms_key_arn.\n"
        "# LIVEBASE_HOME: the checkout the flows run from (the image's, or this repository).\n"
    )
    return header + yaml.safe_dump(body, sort_keys=False, width=120)


if __name__ == "__main__":
    sys.stdout.write(render())
