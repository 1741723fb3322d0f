"""``LIVEBASE_CLOCK_AHEAD_DAYS`` moves the wall clock of every Python process, children included, and
leaves timed waits working (what libfaketime broke: issue 30)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[2] / "livebase_local" / "clock_ahead"
PROBE = """
import json, subprocess, sys, threading, time
from datetime import UTC, datetime
lock = threading.Lock(); lock.acquire()
started = time.monotonic(); lock.acquire(timeout=0.2); time.sleep(0.05)
child = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], capture_output=True, text=True)
print(json.dumps({"now": datetime.now(UTC).timestamp(), "time": time.time(), "waited": time.monotonic() - started,
                  "child": float(child.stdout)}))
"""


def _env(days: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FOLDER), os.environ.get("PYTHONPATH", "")])}
    env.pop("LIVEBASE_CLOCK_AHEAD_DAYS", None)  # this run may itself be ahead: the machine's clock is the baseline
    return env | ({"LIVEBASE_CLOCK_AHEAD_DAYS": days} if days else {})


def _machine_clock() -> float:
    done = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], env=_env(None),
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return float(done.stdout)


def test_every_process_is_a_year_ahead_and_timed_waits_still_return() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], env=_env("365"), capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    seen, machine = json.loads(done.stdout), _machine_clock()
    for clock in ("now", "time", "child"):
        assert abs(seen[clock] - machine - 365 * 86400) < 120, (clock, seen)
    assert 0.2 <= seen["waited"] < 5  # the lock's timeout and the sleep returned on the real monotonic clock


def test_without_the_variable_the_clock_is_the_machines() -> None:
    machine = _machine_clock()
    assert abs(machine - time.clock_gettime(time.CLOCK_BOOTTIME) - _boot_time()) < 60


def _boot_time() -> float:
    """When the machine booted, from the kernel (no Python clock involved)."""
    return float(
        next(line.split()[1] for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
    )


def test_a_process_and_its_child_read_the_same_instant() -> None:
    """Within milliseconds, whenever the child first reads its clock (a Kinesis record had "arrived"
    after it was read when a child's clock ran 0.3 s ahead of its parent's)."""
    probe = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import sys, time; sys.stdin.readline(); print(time.time())"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
time.sleep(1.0)
before = time.time(); child.stdin.write("now\\n"); child.stdin.flush(); read = float(child.stdout.readline())
print(read - before, time.time() - read)
"""
    done = subprocess.run([sys.executable, "-c", probe], env=_env("365"), capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    after_parent, before_parent = (float(x) for x in done.stdout.split())
    assert after_parent >= -0.01 and before_parent >= -0.01, (
        done.stdout
    )  # the child's instant lies in the parent's window
