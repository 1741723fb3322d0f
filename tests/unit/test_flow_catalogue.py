"""One flow catalogue: what `./livebase up` serves and what prefect.yaml deploys agree, flow by flow."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.catalogue import FLOWS, FlowSpec, trigger_document
from flows.deployments import deployments
from flows.prefect_yaml import ECS_POOL, PROCESS_POOL
from livebase.markets.config import load_markets, selling_markets

PREFECT_YAML = Path(__file__).resolve().parents[2] / "prefect.yaml"
FLOWS_DIR = Path(__file__).resolve().parents[2] / "flows"
SELLING = {m.id: m for m in selling_markets(load_markets())}
NIGHTLY = {
    "demand-forecasting": "0 2 * * *", "session-planning": "0 6 * * *", "regional-processing": "30 3 * * *",
    "stock-reconciliation": "30 4 * * *", "recall-delivery": "30 10 * * *",
    "recommendations-training": "0 4 * * *",
}  # fmt: skip


def per_market(spec: FlowSpec, market: str) -> dict[str, Any]:
    """A per-market schedule's parameters: the one market, as the flow takes it (a list or a single id)."""
    return {"market": market} if spec.market_parameter == "market" else {"markets": [market]}


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(PREFECT_YAML.read_text())
    return loaded


@pytest.fixture(scope="module")
def served() -> dict[str, Any]:
    return {d.name: d for d in deployments()}


def yaml_deployment(config: dict[str, Any], spec: FlowSpec, pool: str, name: str) -> dict[str, Any]:
    [found] = [
        d for d in config["deployments"]
        if d["entrypoint"] == spec.entrypoint and d["work_pool"]["name"] == pool and d["name"] == name
    ]  # fmt: skip
    return found


def served_schedules(deployment: Any) -> list[dict[str, Any]]:
    """A served deployment's schedules in prefect.yaml's words."""
    documents = []
    for entry in deployment.schedules:
        document = {"cron": entry.schedule.cron, "timezone": entry.schedule.timezone}
        if entry.slug:
            document |= {"slug": entry.slug, "parameters": entry.parameters}
        documents.append(document)
    return documents


def room_alert_automation_trigger() -> dict[str, Any]:
    """flows/automations/room-alert.yaml (what `up` applies) in prefect.yaml's words, read here independently."""
    from flows.room_alerts import automation_spec

    spec = automation_spec()
    [action] = spec["actions"]
    assert action["deployment"] == "room-alert/room-alert"  # a deployment `up` serves
    condition = spec["trigger"]
    return {
        "type": "event", "name": "room-alert", "enabled": True, "posture": condition["posture"],
        "expect": sorted(condition["expect"]), "match": condition["match"], "for_each": sorted(condition["for_each"]),
        "threshold": condition["threshold"], "within": condition["within"], "parameters": action["parameters"],
    }  # fmt: skip


def test_every_flow_in_flows_is_in_the_catalogue() -> None:
    from prefect.flows import Flow

    found = {}
    for path in sorted(FLOWS_DIR.glob("*.py")):
        module = importlib.import_module(f"flows.{path.stem}")
        for value in vars(module).values():
            if isinstance(value, Flow) and value.fn.__module__ == module.__name__:
                found[value.name] = f"flows/{path.name}:{value.fn.__name__}"
    assert found == {spec.name: spec.entrypoint for spec in FLOWS}


def test_served_and_process_pool_deployments_agree(config: dict[str, Any], served: dict[str, Any]) -> None:
    assert set(served) == {spec.name for spec in FLOWS}
    for spec in FLOWS:
        mine, local = served[spec.name], yaml_deployment(config, spec, PROCESS_POOL, "local")
        assert mine.flow_name == spec.name
        assert local["description"].startswith(mine.description) and mine.tags == local["tags"]
        assert served_schedules(mine) == local.get("schedules", []), spec.name
        assert mine.parameters == local.get("parameters", {})
        triggers = [trigger_document(t) for t in mine.triggers]
        if spec.name == "room-alert":  # served as the automation `up` applies
            triggers.append(room_alert_automation_trigger())
        assert triggers == local.get("triggers", []), spec.name


def test_the_served_stock_low_trigger_is_flows_triggers(served: dict[str, Any]) -> None:
    from flows.triggers import stock_low_trigger

    [trigger] = served["order-to-replenish"].triggers
    assert trigger == stock_low_trigger()


def test_nightly_work_runs_at_its_hour_in_each_markets_own_time_zone(config: dict[str, Any]) -> None:
    for spec in FLOWS:
        local = yaml_deployment(config, spec, PROCESS_POOL, "local")
        if spec.name in NIGHTLY:
            assert local["schedules"] == [
                {
                    "cron": NIGHTLY[spec.name],
                    "timezone": m.time_zone,
                    "slug": m.id,
                    "parameters": per_market(spec, m.id),
                }
                for m in SELLING.values()
            ]
        else:  # hourly, every 5 minutes, or the UTC day's boundary: one schedule for every market
            assert all(s["timezone"] == "UTC" and "parameters" not in s for s in local.get("schedules", []))


def test_each_markets_ecs_deployment_has_its_share_of_the_schedules_and_triggers(config: dict[str, Any]) -> None:
    for spec in FLOWS:
        local = yaml_deployment(config, spec, PROCESS_POOL, "local")
        for market in SELLING:
            ecs = yaml_deployment(config, spec, ECS_POOL, market)
            mine = [s for s in local.get("schedules", []) if s.get("slug") in (None, market)]
            assert ecs.get("schedules", []) == mine, (spec.name, market)
            assert ecs["parameters"][spec.market_parameter] in ([market], market)
            narrowed = ecs.get("triggers", [])
            assert len(narrowed) == len(local.get("triggers", []))
            for everyone, own in zip(local.get("triggers", []), narrowed, strict=True):
                assert own["name"] == f"{everyone['name']}-{market}"
                assert own["match"]["prefect.resource.id"] in (f"livebase.market.{market}", f"livebase.room.{market}.*")
                assert market in str(own["parameters"]) and "livebase.market']" not in str(own["parameters"])
                same = {k: v for k, v in everyone.items() if k not in ("name", "match", "parameters")}
                assert {k: v for k, v in own.items() if k not in ("name", "match", "parameters")} == same


def test_up_schedules_only_the_markets_it_runs() -> None:
    served = {d.name: d for d in deployments(["eu"])}
    assert served_schedules(served["demand-forecasting"]) == [
        {"cron": "0 2 * * *", "timezone": "Europe/Berlin", "slug": "eu", "parameters": {"markets": ["eu"]}}
    ]
    assert served_schedules(served["order-to-replenish"]) == [{"cron": "0 * * * *", "timezone": "UTC"}]


def test_scheduled_parameters_fit_each_flows_schema(served: dict[str, Any]) -> None:
    from flows.deployments import flow_of

    for spec in FLOWS:
        flow = flow_of(spec)
        for entry in served[spec.name].schedules:
            flow.validate_parameters(entry.parameters)  # raises on an unknown market or parameter
