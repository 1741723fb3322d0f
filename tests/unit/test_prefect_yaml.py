"""prefect.yaml: generated from cdk.json's markets, every flow deployed, every selling market in its region."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

from flows.catalogue import FLOWS
from flows.prefect_yaml import ECS_POOL, PROCESS_POOL, render
from livebase.markets.config import load_markets, selling_markets

PREFECT_YAML = Path(__file__).resolve().parents[2] / "prefect.yaml"
MARKETS = load_markets()
SELLING = {m.id: m for m in selling_markets(MARKETS)}
# What `prefect deploy` fills in from the workspace's variables, for checking the flows' schemas.
SAMPLE_VALUES = {"image_uri": "img:1", "role_arn": "arn:aws:iam::000000000000:role/r", "kms_key_arn": "arn:aws:kms:k"}


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(PREFECT_YAML.read_text())
    return loaded


def by_pool(config: dict[str, Any], pool: str) -> list[dict[str, Any]]:
    return [d for d in config["deployments"] if d["work_pool"]["name"] == pool]


def test_committed_file_is_what_the_market_table_generates() -> None:
    assert PREFECT_YAML.read_text() == render(), "run: python -m flows.prefect_yaml > prefect.yaml"


def test_prefect_reads_the_file(config: dict[str, Any]) -> None:
    from prefect.cli.deploy._models import PrefectYamlModel

    model = PrefectYamlModel.model_validate(config)
    assert len(model.deployments) == len(FLOWS) * (1 + len(SELLING))


def test_every_entrypoint_imports_as_its_flow_and_its_parameters_fit_the_schema(config: dict[str, Any]) -> None:
    from prefect.flows import load_flow_from_entrypoint

    names = {spec.entrypoint: spec.name for spec in FLOWS}
    flows: dict[str, Any] = {entry: load_flow_from_entrypoint(entry) for entry in names}
    assert {flow.name for flow in flows.values()} == {"order-to-replenish", "demand-forecasting",
                                                      "forecast-scaleout", "room-alert",
                                                      "experiment-analysis", "regional-processing",
                                                      "business-case", "passport-anchoring", "session-planning",
                                                      "session-channels", "stock-reconciliation", "fx-rates",
                                                      "recall-delivery", "settlement-statements",
                                                      "moderation-review", "recommendations-training"}  # fmt: skip
    for deployment in config["deployments"]:
        flow = flows[deployment["entrypoint"]]
        assert flow.name == names[deployment["entrypoint"]]
        if deployment["work_pool"]["name"] == ECS_POOL:
            parameters = {k: SAMPLE_VALUES.get(k, v) for k, v in deployment["parameters"].items()}
            if flow.name == "room-alert":
                parameters |= {"room_id": "r1", "kind": "viewer_drop", "evidence": {}}
            if flow.name == "experiment-analysis":
                parameters |= {"experiment_id": "lineup-1"}
            flow.validate_parameters(parameters)  # raises on a bad market or missing parameter


def test_every_selling_market_has_each_flow_in_its_own_region(config: dict[str, Any]) -> None:
    ecs = by_pool(config, ECS_POOL)
    assert {(d["entrypoint"], d["name"]) for d in ecs} == {(s.entrypoint, m) for s in FLOWS for m in SELLING}
    for deployment in ecs:
        market = SELLING[deployment["name"]]
        variables = deployment["work_pool"]["job_variables"]
        assert variables["env"] == {"AWS_REGION": market.region, "AWS_DEFAULT_REGION": market.region,
                                    "LIVEBASE_MARKET": market.id,
                                    "LIVEBASE_HQ_ROLLUP_ROLE": "livebase-hq-rollup"}  # fmt: skip
        assert variables["aws_credentials"] == f"{{{{ prefect.blocks.aws-credentials.livebase-{market.id} }}}}"
        assert variables["cluster"] == f"livebase-{market.id}"
        assert market.id in str(deployment["parameters"])
        for schedule in deployment.get("schedules", []):  # its own hour, or one over every market in UTC
            assert (schedule["timezone"], schedule.get("slug")) in ((market.time_zone, market.id), ("UTC", None))
    assert not any(d["name"] not in SELLING for d in ecs)  # hq (aggregates only) runs no flow
    local = by_pool(config, PROCESS_POOL)
    assert sorted(d["entrypoint"] for d in local) == sorted(s.entrypoint for s in FLOWS)


def test_replenishment_runs_one_at_a_time_per_market_and_on_that_markets_stock_low(config: dict[str, Any]) -> None:
    from prefect.events import DeploymentTriggerTypes

    triggers = TypeAdapter(DeploymentTriggerTypes)
    for deployment in by_pool(config, ECS_POOL):
        market = deployment["name"]
        for trigger in deployment.get("triggers", []):
            triggers.validate_python(trigger)
        if deployment["entrypoint"].endswith(":order_to_replenish"):
            assert deployment["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
            [stock_low] = deployment["triggers"]
            assert stock_low["match"] == {"prefect.resource.id": f"livebase.market.{market}"}
            assert stock_low["parameters"] == {"markets": [market]}
        if deployment["entrypoint"].endswith(":room_alert"):
            [alert] = deployment["triggers"]
            assert alert["expect"] == ["livebase.room.alert"]
            assert alert["match"] == {"prefect.resource.id": f"livebase.room.{market}.*"}
