"""The README's main command, end to end, in a fresh state directory (small sizes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from livebase_local.aws.moto_server import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_the_whole_path_and_reports_per_market(tmp_path: Path) -> None:
    aws_port = free_port()  # the local AWS takes this port and the next
    prefect_port = next(p for p in iter(free_port, None) if p not in (aws_port, aws_port + 1))
    env = {
        **os.environ,
        "LIVEBASE_AWS_PORT": str(aws_port),
        "LIVEBASE_PREFECT_PORT": str(prefect_port),
        "LIVEBASE_STATE_DIR": str(tmp_path),
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                     "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS", "PREFECT_API_URL"):  # fmt: skip
        env.pop(variable, None)
    result = subprocess.run(
        [sys.executable, "-m", "livebase_local", "demo", "--orders", "6", "--live-records", "300"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "stacks deployed: Livebase-sea (ap-southeast-1), Livebase-eu (eu-central-1)" in out
    for market, region in (("sea", "ap-southeast-1"), ("eu", "eu-central-1")):
        row = next(line for line in out.splitlines() if line.startswith(f"{market} "))
        assert region in row
        orders, placed, rejected, quarantined = (int(v) for v in row.split()[2:6])
        assert orders == 6 + 1 + 3  # valid, one duplicate, three malformed
        assert placed + rejected == 6 and quarantined >= 3
        lines = out.splitlines()
        chain = next(line for line in lines[lines.index(row) :] if line.strip().startswith("warehouse:"))
        assert f"warehouse: {placed} picked, {placed} shipped" in chain  # every placed order, once
        written, received = (int(chain.split(f" {word}")[0].split()[-1]) for word in ("written", "received"))
        assert received == written  # every PO the run wrote arrived in full
    assert "live room sea-room-2:" in out and "live room eu-room-2:" in out
    cues = [line.strip() for line in out.splitlines() if line.strip().startswith("room cues:")]
    assert len(cues) == 2 and "via medialive" in cues[0] and "via ivs" in cues[1], cues  # sea, then eu
    assert all(int(line.split()[2]) >= 1 for line in cues)  # a seeded order crosses the low mark in its room
    assert "./livebase up" in out
    assert (tmp_path / "logs" / "ingest-sea.log").stat().st_size > 0
