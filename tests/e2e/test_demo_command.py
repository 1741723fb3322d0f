"""The README's main command, end to end, in a fresh state directory (small sizes); and the logs of
that whole run (its output, every handler's log file) scanned for viewer ids and contact data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from livebase.privacy.masking import mask_text
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
    for market in ("sea", "eu"):  # issue 28: an order's life after the sale, a presale through its goods
        block = out.split(f"\n{market} ", 1)[1]
        life = next(line.strip() for line in block.splitlines() if line.strip().startswith("order life:"))
        assert "sent back, received sellable, restocked, refunded" in life and "status refunded" in life, life
        assert "refunded 0 " not in life, life
        stock = next(line.strip() for line in block.splitlines() if "stock: shipped on hand" in line)
        shipped, returned = (int(part.split("on hand ")[1].split()[0]) for part in stock.split("; after the return"))
        assert returned > shipped, stock  # the sellable units are back on the shelf
        presale = next(line.strip() for line in block.splitlines() if line.strip().startswith("presale of"))
        assert " on PO-" in presale and ": cap " in presale, presale
        ahead = next(line.strip() for line in block.splitlines() if "ahead of the goods:" in line)
        assert "ahead of the goods: placed" in ahead and "presale 2 sold" in ahead, ahead
        served = next(line.strip() for line in block.splitlines() if "received: order" in line)
        assert "served first" in served and "0 still waiting" in served, served
    cues = [line.strip() for line in out.splitlines() if line.strip().startswith("room cues:")]
    assert len(cues) == 2 and "via medialive" in cues[0] and "via ivs" in cues[1], cues  # sea, then eu
    assert all(int(line.split()[2]) >= 1 for line in cues)  # a seeded order crosses the low mark in its room
    assert "./livebase up" in out
    assert (tmp_path / "logs" / "ingest-sea.log").stat().st_size > 0

    personal_data_in_logs(out, result.stderr, tmp_path / "logs")


def personal_data_in_logs(stdout: str, stderr: str, log_dir: Path) -> None:
    """No line of the run's logs holds what the masked logger masks: a pseudonymous viewer id
    (``v_<hex>``), an e-mail address, a phone number (``livebase.privacy.masking.mask_text``)."""
    logs = {"stdout": stdout, "stderr": stderr}
    logs |= {path.name: path.read_text(encoding="utf-8", errors="replace") for path in sorted(log_dir.rglob("*.log"))}
    assert len(logs) > 3 and sum(len(text) for text in logs.values()) > 10_000  # the scan saw the run
    found = [
        f"{name}:{number}: {mask_text(line)[:200]}"  # the line as masked: the report itself leaks nothing
        for name, text in logs.items()
        for number, line in enumerate(text.splitlines(), 1)
        if mask_text(line) != line
    ]
    assert not found, f"{len(found)} log lines with personal data, first: {found[:5]}"
