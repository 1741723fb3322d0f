"""Every benchmark runs at a tiny size, so none rots between the sessions that quote it.

Each script is run as ops would run it (its own process, its own arguments) and must exit 0 and
end with its figures: ``name: value`` lines, at least one. The figures are not judged here (speed
goals are ratios the benchmarks print; see docs/benchmarks.md). The soak and start/stop
benchmarks have end-to-end tests of their own (``test_soak_smoke.py``, ``test_up_stop.py``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
FIGURE = re.compile(r"^[A-Za-z0-9_.\-]+: \S.*$")

TINY: dict[str, list[str]] = {
    "business_case": ["--draws", "200", "--loop-draws", "20"],
    "forecast_competitions": ["--limit", "2", "--sets", "m1", "--no-arima"],
    "forecast_dev_m3": ["--step", "1000", "--no-arima"],
    "forecast_scale": ["--series", "20", "--workers", "1", "--chunk", "10", "--horizon", "7"],
    "ingest": ["--records", "300", "--skip-e2e"],
    "ingest_validation": ["--repeat", "1", "--records", "200"],
    "regional_processing": ["--viewers", "1000", "--orders", "5000"],
    "replenishment_sim": ["--skus", "12"],
    "recommendations": ["--scale", "0.02", "--train-days", "3", "--test-days", "1", "--requests", "20", "--pool", "5"],
    "room_cue_latency": ["--orders", "3", "--warmup", "0", "--timeout", "240"],  # the suite's load
    "session_forecast": ["--skus", "3"],
    "session_planning": ["--skus", "20", "--days", "2", "--sessions", "1"],
    "sentiment": ["--part", "development", "--repeat", "1"],
    "studio_failover": ["--minutes", "10", "--rooms", "1", "--seeds", "tuning"],
    "trust_safety": ["--scale", "0.05", "--skip-local-aws"],
}
OWN_TESTS = {"soak", "up_stop"}


def test_every_benchmark_has_a_smoke_run() -> None:
    scripts = {path.stem for path in BENCHMARKS.glob("*.py") if path.stem != "__init__"}
    assert scripts - OWN_TESTS == set(TINY)


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", sorted(TINY))
def test_benchmark_runs_and_prints_its_figures_last(name: str, tmp_path: Path) -> None:
    arguments = list(TINY[name])
    if name in {"forecast_competitions", "forecast_dev_m3"}:
        arguments += ["--cache", str(tmp_path / "cache")]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), *arguments],
        capture_output=True, text=True, timeout=580, cwd=BENCHMARKS.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines and FIGURE.match(lines[-1]), lines[-5:]
