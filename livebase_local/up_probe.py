"""`./livebase up` as a user runs it, from outside: started, waited for, signalled, checked for leftovers.

Shared by ``tests/e2e/test_up_stop.py`` (it stops, cleanly, leaving nothing) and
``benchmarks/up_stop.py`` (how many seconds it took). The process gets its own process group, as a
shell's foreground job does, so a signal to the group is what Ctrl-C or a supervisor sends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from livebase_local.aws.moto_server import free_port

READY_LINE = "Ctrl-C stops everything."


@dataclass
class UpProcess:
    process: subprocess.Popen[bytes]
    log_path: Path
    ports: tuple[int, ...]

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while READY_LINE not in self.output():
            if self.process.poll() is not None:
                raise RuntimeError(f"`up` exited with {self.process.returncode}: {self.output()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"`up` not ready after {timeout:.0f} s: {self.output()[-2000:]}")
            time.sleep(0.5)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60.0) -> float:
        """Signal the process group; seconds until `up` exited (``timeout`` if it did not)."""
        started = time.monotonic()
        os.killpg(self.process.pid, signum)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            return timeout
        return time.monotonic() - started

    def leftovers(self) -> list[str]:
        """Ports still listened on and processes still running that `up` started."""
        left = [f"port {port}" for port in self.ports if _listening(port)]
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if any(f"--port {port}" in command for port in self.ports):
                left.append(f"process {entry.name}: {command.strip()[:120]}")
        return left


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start_up(markets: list[str], state_dir: Path) -> UpProcess:
    """`python -m livebase_local up --markets ...` on free ports with its state under ``state_dir``."""
    aws_port, prefect_port = free_port(), free_port()
    state_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "LIVEBASE_STATE_DIR": str(state_dir),
        "LIVEBASE_AWS_PORT": str(aws_port),
        "LIVEBASE_PREFECT_PORT": str(prefect_port),
        "PREFECT_HOME": str(state_dir / "prefect-home"),
        "DO_NOT_TRACK": "1",
    }
    for name in ("PREFECT_API_URL", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS"):
        env.pop(name, None)  # a test session's own settings must not leak into the user's `up`
    log_path = state_dir / "up.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "livebase_local", "up", "--markets", ",".join(markets)],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            process_group=0,  # a group of its own, as a shell's foreground job
        )  # fmt: skip
    # moto's Kinesis server takes the port after the main one (livebase_local.aws.moto_server)
    return UpProcess(process, log_path, (aws_port, aws_port + 1, prefect_port))
