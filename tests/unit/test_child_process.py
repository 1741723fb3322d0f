"""`up`'s children stop with everything they started (issue 30): Prefect's process worker starts each
flow run in a session of its own, which a signal to the worker's process group does not reach."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from livebase_local.commands.prefect_server import ChildProcess

# A "worker" that starts a "flow run" in a new session (as prefect.runner's starter does) and waits.
WORKER = """
import subprocess, sys, time
run = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
open(sys.argv[1], "w").write(str(run.pid))
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")  # a zombie is gone


def test_a_flow_run_in_its_own_session_stops_with_the_worker(tmp_path: Path) -> None:
    pid_file = tmp_path / "run.pid"
    worker = ChildProcess("worker", [sys.executable, "-c", WORKER, str(pid_file)], dict(os.environ),
                          tmp_path / "worker.log", grace=1.0).start()  # fmt: skip
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the worker never started its run"
        time.sleep(0.05)
    run = int(pid_file.read_text())
    assert os.getsid(run) == run  # the run leads its own session, as Prefect's are
    worker.stop()
    deadline = time.monotonic() + 10
    while _alive(run) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(run), "the flow run outlived its worker"
