"""App-level behaviour: bad market tables, cdk-nag actually running, the layer (the CLI: test_market_context.py)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import aws_cdk as cdk
import jsii
import pytest
from aws_cdk import aws_s3 as s3

from infra_cdk import layer_staging
from infra_cdk.app import build_app
from infra_cdk.components.live_video import IVS_REGIONS, MEDIALIVE_REGIONS
from infra_cdk.nag import acknowledge, enable_checks
from livebase.markets.config import AWS_REGIONS, CDK_JSON_ENV, DEFAULT_CDK_JSON, PROJECT_ROOT, MarketConfigError


def _cdk_json_with(tmp_path: Path, **changes: object) -> Path:
    document = json.loads(DEFAULT_CDK_JSON.read_text())
    document["context"]["markets"]["eu"].update(changes)
    path = tmp_path / "cdk.json"
    path.write_text(json.dumps(document))
    return path


def test_bad_market_table_is_refused_with_market_and_field(tmp_path: Path) -> None:
    with pytest.raises(MarketConfigError, match=r"market 'eu': region: .*unknown AWS region 'eu-centrl-1'"):
        build_app(outdir=str(tmp_path / "out"), markets=_cdk_json_with(tmp_path, region="eu-centrl-1"))


def test_bad_in_memory_table_is_refused_the_same_way(tmp_path: Path) -> None:
    table = json.loads(DEFAULT_CDK_JSON.read_text())["context"]["markets"]
    table["na"] = {**table["na"], "languages": ["english"]}
    with pytest.raises(MarketConfigError, match=r"market 'na': languages: .*ISO 639-1"):
        build_app(outdir=str(tmp_path), markets=table)


def test_cli_exits_2_with_a_readable_message_on_a_bad_table(tmp_path: Path) -> None:
    bad = _cdk_json_with(tmp_path, currency="XXX")
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv/bin/python"), "-m", "infra_cdk.app"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "CDK_OUTDIR": str(tmp_path / "out"), CDK_JSON_ENV: str(bad)},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "bad market table: market 'eu': currency" in result.stderr


def test_cdk_nag_is_live_and_blocks_synth(tmp_path: Path) -> None:
    """A bucket without access logs or SSL enforcement must stop synth unless acknowledged."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "NagProbe", env=cdk.Environment(account="000000000000", region="eu-central-1"))
    s3.Bucket(stack, "Careless", block_public_access=s3.BlockPublicAccess.BLOCK_ALL)
    enable_checks(app)
    with pytest.raises((RuntimeError, jsii.errors.JSIIError), match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p.get("violations", [])}
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules


def test_suppression_without_a_real_reason_is_refused() -> None:
    app = cdk.App()
    with pytest.raises(ValueError, match="specific reason"):
        acknowledge(cdk.Stack(app, "S"), "AwsSolutions-S1", "ok")


def test_video_region_tables_match_the_cloudformation_registry() -> None:
    """Our IVS / MediaLive Region lists agree with cfn-lint's per-Region resource schemas."""
    providers = Path(pytest.importorskip("cfnlint").__path__[0], "data/schemas/providers")
    registry = {
        region: set(json.loads((providers / f"{region}.json").read_text()))
        for region in AWS_REGIONS if (providers / f"{region}.json").exists()
    }  # fmt: skip
    assert {r for r, types in registry.items() if "AWS::IVS::Channel" in types} == IVS_REGIONS
    medialive = {r for r, types in registry.items() if {"AWS::MediaLive::Channel", "AWS::MediaLive::Input"} <= types}
    assert medialive == MEDIALIVE_REGIONS


def test_layer_stages_livebase_and_vendored_pynamodb(tmp_path: Path) -> None:
    staged = layer_staging.stage_layer(build_dir=tmp_path)
    assert (staged / "python/livebase/markets/config.py").is_file()
    assert (staged / "python/livebase/live/events.py").is_file()
    assert (staged / "python/pynamodb/models.py").is_file()
    assert any(p.name.startswith("pynamodb-") for p in (staged / "python").glob("*.dist-info"))
    assert not list(staged.rglob("__pycache__")) and not (staged / "python/livebase/requirements.txt").exists()
    assert layer_staging.stage_layer(build_dir=tmp_path) == staged  # same content, same folder


def test_layer_staging_prunes_only_stale_folders(tmp_path: Path) -> None:
    stale, fresh = tmp_path / "layer-0000000000000000", tmp_path / "layer-1111111111111111"
    stale.mkdir()
    fresh.mkdir()
    now = time.time()  # both ages set from the process clock: a faked clock (faketime) does not move the kernel's
    old = now - layer_staging.STALE_AFTER_S - 60
    os.utime(stale, (old, old))
    os.utime(fresh, (now, now))
    staged = layer_staging.stage_layer(build_dir=tmp_path)
    assert not stale.exists() and fresh.is_dir() and staged.is_dir()


def test_layer_refuses_an_unsatisfied_pin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pynamodb>=99\n")
    monkeypatch.setattr(layer_staging, "REQUIREMENTS", requirements)
    with pytest.raises(layer_staging.LayerStagingError, match=r"pynamodb>=99 not satisfied"):
        layer_staging.stage_layer(build_dir=tmp_path / "build")
