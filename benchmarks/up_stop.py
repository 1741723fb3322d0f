"""How long `./livebase up` takes to stop, as a user stops it (issue 21: within 5 s, no traceback,
nothing left behind): once with Ctrl-C's SIGINT and once with SIGTERM, each to its process group.

    .venv/bin/python benchmarks/up_stop.py        # ~3 minutes: two cold starts of `up --markets sea`
"""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path

from livebase_local.up_probe import start_up


def main() -> None:
    figures: dict[str, str] = {}
    for name, signum in (("sigint", signal.SIGINT), ("sigterm", signal.SIGTERM)):
        with tempfile.TemporaryDirectory(prefix="livebase-up-") as state:
            started = time.monotonic()
            up = start_up(["sea"], Path(state))
            try:
                up.wait_ready()
                figures["up_ready_s"] = f"{time.monotonic() - started:.1f}"
                time.sleep(5)  # a few polls of every thread, as after a while of use
            finally:
                seconds = up.stop(signum)
            output = up.output()
            figures[f"stop_after_{name}_s"] = f"{seconds:.2f}"
            figures[f"tracebacks_after_{name}"] = str(output.count("Traceback"))
            figures[f"left_behind_after_{name}"] = str(len(up.leftovers()))
            figures[f"exit_code_after_{name}"] = str(up.process.returncode)
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
