"""`./livebase up` stops as a user expects: on SIGTERM to its process group (a supervisor, or
Ctrl-C's SIGINT, which takes the same path) it exits cleanly, without a traceback, and leaves
no process or port behind. How fast is measured by ``benchmarks/up_stop.py``, not asserted here."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from livebase_local.up_probe import start_up

pytestmark = pytest.mark.slow


@pytest.mark.timeout(600)
def test_up_stops_cleanly_on_a_group_sigterm(tmp_path: Path) -> None:
    up = start_up(["sea"], tmp_path / "state")
    try:
        up.wait_ready()
    finally:
        seconds = up.stop(signal.SIGTERM)
    output = up.output()
    print(f"`up` exited {seconds:.1f} s after SIGTERM to its process group")
    assert up.process.returncode == 0, output[-2000:]
    assert "Traceback" not in output, output[-4000:]
    assert output.rstrip().endswith("stopped."), output[-2000:]
    assert up.leftovers() == []
