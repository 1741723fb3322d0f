"""The market table reaches the app through CDK context: cdk.json by default, ``-c markets=...`` over it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra_cdk.app import PROJECT_CONTEXT, file_context
from infra_cdk.components.flow_runtime import SECRET_CONTEXT
from infra_cdk.context import ContextError, context_table
from livebase.markets.config import (
    CDK_JSON_ENV,
    PROJECT_ROOT,
    MarketConfigError,
    cdk_json_path,
    load_markets,
    markets_from_context,
)


def _eu_elsewhere() -> dict[str, Any]:
    table = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]["markets"]
    return {"eu": {**table["eu"], "region": "eu-west-1", "edge_locations": ["DUB"]}}


@pytest.mark.slow
def test_cdk_cli_dash_c_markets_overrides_cdk_json(tmp_path: Path) -> None:
    """``npx cdk synth`` runs cdk.json's app offline and never calls Docker (the flow image is an asset
    built at deploy time; a docker first on PATH and CDK_DOCKER record any call), and hands it ``-c``
    values as JSON text in CDK_CONTEXT_JSON: ``markets`` over cdk.json's table (the whole table is
    synthesised in-process: conftest.py) and ``flow_prefect_secrets`` naming the worker's secret."""
    npx = shutil.which("npx")
    if npx is None or not (PROJECT_ROOT / "node_modules/.bin/cdk").exists():
        pytest.skip("CDK CLI not installed (npm ci)")
    marker, docker = tmp_path / "docker-was-called", tmp_path / "docker"
    docker.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    docker.chmod(0o755)
    env = {**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
           "PATH": f"{tmp_path}:{os.environ['PATH']}", "CDK_DOCKER": str(docker)}  # fmt: skip
    out = tmp_path / "cdk.out"
    result = subprocess.run(
        [npx, "--no-install", "cdk", "synth", "--quiet", "--output", str(out),
         "-c", f"markets={json.dumps(_eu_elsewhere())}",
         "-c", f"{SECRET_CONTEXT}={json.dumps({'eu': 'ops/prefect-eu'})}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert not marker.exists()
    assert sorted(p.name for p in out.glob("*.template.json")) == [
        "Livebase-account-eu-west-1.template.json",
        "Livebase-eu.template.json",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["artifacts"]["Livebase-eu"]["environment"].endswith("/eu-west-1")
    template = json.loads((out / "Livebase-eu.template.json").read_text())["Resources"]
    assert not [k for k, r in template.items() if r["Type"] == "AWS::SecretsManager::Secret" and "FlowRuntime" in k]
    [worker] = [r for k, r in template.items() if r["Type"] == "AWS::ECS::TaskDefinition" and "WorkerTask" in k]
    assert ":secret:ops/prefect-eu:PREFECT_API_KEY::" in json.dumps(worker["Properties"]["ContainerDefinitions"])


def test_a_table_context_value_is_an_object_or_its_json_text() -> None:
    app = cdk.App(context={"as_text": '{"eu": "x"}', "as_table": {"eu": "x"}, "bad": "[1]", "broken": "{eu"})
    assert context_table(app, "as_text") == context_table(app, "as_table") == {"eu": "x"}
    assert context_table(app, "unset") == {}
    with pytest.raises(ContextError, match="bad must be an object"):
        context_table(app, "bad")
    with pytest.raises(ContextError, match="broken is not JSON"):
        context_table(app, "broken")


def test_context_value_may_be_a_table_or_its_json_text() -> None:
    table = _eu_elsewhere()
    assert markets_from_context(table) == markets_from_context(json.dumps(table))
    assert markets_from_context(table)["eu"].region == "eu-west-1"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "no markets in the CDK context"),
        ("sea,eu", "not a JSON object"),
        ("[1, 2]", "must be an object"),
        ('{"eu": {}, "eu": {}}', "duplicate key 'eu'"),
        ({"eu": {"region": "eu-centrl-1"}}, r"market 'eu': .*unknown AWS region"),
    ],
)
def test_a_bad_context_value_is_refused_clearly(value: object, message: str) -> None:
    with pytest.raises(MarketConfigError, match=message):
        markets_from_context(value)


def test_file_context_layers_cdk_json_over_cdk_context_json(tmp_path: Path) -> None:
    """The CLI's own precedence (read from its source, confirmed with a probe app): -c, cdk.json, cdk.context.json."""
    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(json.dumps({"app": "x", "context": {"@aws-cdk/core:flag": True}}))
    (tmp_path / PROJECT_CONTEXT).write_text(json.dumps({"markets": _eu_elsewhere(), "@aws-cdk/core:flag": False}))
    context = file_context(cdk_json)
    assert context["@aws-cdk/core:flag"] is True  # cdk.json wins where both set a key
    assert markets_from_context(context["markets"])["eu"].region == "eu-west-1"  # cdk.context.json fills the rest


def test_file_context_of_the_project_carries_markets_and_feature_flags() -> None:
    context = file_context()
    assert markets_from_context(context["markets"]) == load_markets()
    assert context["@aws-cdk/core:checkSecretUsage"] is True


def test_cdk_json_is_found_from_the_environment_or_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CDK_JSON_ENV, raising=False)
    (tmp_path / "cdk.json").write_text("{}")
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "b")
    assert cdk_json_path() == (tmp_path / "cdk.json").resolve()  # the nearest one up from the cwd
    monkeypatch.setenv(CDK_JSON_ENV, str(PROJECT_ROOT / "cdk.json"))
    assert cdk_json_path() == (PROJECT_ROOT / "cdk.json").resolve()
    assert load_markets() == load_markets(PROJECT_ROOT / "cdk.json")


def test_an_absent_cdk_json_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CDK_JSON_ENV, str(tmp_path / "absent" / "cdk.json"))
    with pytest.raises(MarketConfigError, match="not found"):
        load_markets()
    with pytest.raises(MarketConfigError, match="not found"):
        file_context()
