"""``./livebase deploy --dry-run`` against the local AWS (issue 29): the plan and every preflight finding are
printed, nothing is deployed."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from livebase.markets.config import load_markets
from livebase_local.aws.moto_server import LocalAws
from livebase_local.commands import deploy


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("a dry run deployed something")


def test_the_dry_run_prints_the_plan_and_each_finding(
    moto_server: LocalAws, cdk_assembly: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "deploy_in_order", _refuse)
    monkeypatch.setattr(deploy, "cdk_deploy", _refuse)
    printed = io.StringIO()
    with redirect_stdout(printed):
        code = deploy.main(["deploy", "--dry-run", "--assembly", str(cdk_assembly)])
    out = printed.getvalue()
    assert code == 0, out
    markets = load_markets()
    regions = {markets[m].region for m in ("sea", "eu")}
    plan = out[out.index("deploy plan") : out.index("preflight:")]
    for region in regions:  # the account stack of each Region comes before the markets
        assert plan.index(f"Livebase-account-{region}") < plan.index("Livebase-sea")
        for check in ("cdk bootstrap", "Lambda concurrency quota", "Powertools layer (managed)",
                      "API Gateway CloudWatch role"):  # fmt: skip
            assert f"] {region} {check}:" in out, (region, check, out)
    assert "Livebase-eu (" in plan and "reserved concurrency per Region:" in plan
    assert "Docker (the flow runtime's image assets)" in out
    assert "dry run: nothing deployed" in out and "prefect work-pool create --type ecs livebase-ecs" in out
