"""The local AWS: moto in server mode on 127.0.0.1, in child processes, as a context manager.

Two servers run :mod:`livebase_local.aws.moto_process` (each on its own core, with patches for moto
costs that grow with the data): one for every service, one for Kinesis. This module starts,
finds, checks and stops them. Every client (boto3, pynamodb, powertools) reaches them through
``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_KINESIS`` (see :mod:`livebase_local.aws.env`), so
application code never branches on "local".
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

from livebase_local.started import Started

DEFAULT_PORT = 4566
PORT_VARIABLE = "LIVEBASE_AWS_PORT"
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60.0
FREE_PORT_FLOOR = 20000


class LocalAwsError(RuntimeError):
    """The local AWS could not be started or reached; the message says why and what to do."""


def configured_port(environ: dict[str, str] | None = None) -> int:
    """The port from ``LIVEBASE_AWS_PORT`` (default 4566), refused clearly when it is not a port."""
    raw = (os.environ if environ is None else environ).get(PORT_VARIABLE, str(DEFAULT_PORT))
    try:
        port = int(raw)
    except ValueError:
        raise LocalAwsError(f"{PORT_VARIABLE}={raw!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise LocalAwsError(f"{PORT_VARIABLE}={port} is outside 0-65535")
    return port


def free_port() -> int:
    """Two adjacent ports free on 127.0.0.1, below the OS's ephemeral range (the local AWS uses both).

    Why below it: a client connecting to a port in the ephemeral range while nothing listens
    there (a Kinesis server being restarted) can be given that very port as its own and connect
    to itself (TCP simultaneous open); it then reads its own request as the reply and holds the
    port the server is about to bind. Ports outside the range are never handed to clients.
    """
    low = _ephemeral_range()[0]
    candidates = list(range(FREE_PORT_FLOOR, max(FREE_PORT_FLOOR + 2, low - 1)))
    random.SystemRandom().shuffle(candidates)
    for port in candidates[:200]:
        if _bindable(port) and _bindable(port + 1):
            return port
    raise LocalAwsError(f"no two adjacent free ports found on {HOST} between {FREE_PORT_FLOOR} and {low}")


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default; macOS uses 49152-65535, above it


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def is_moto(port: int, timeout: float = 2.0) -> bool:
    """True when whatever listens on ``port`` answers moto's own ``/moto-api/config`` endpoint."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/moto-api/config", timeout=timeout) as reply:
            body = json.loads(reply.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException):
        return False  # HTTPException: not an HTTP server (or a self-connected socket reading its own request)
    return isinstance(body, dict) and "batch" in body


class _MotoProcess:
    """One moto server process on ``port``: started, checked, measured and stopped."""

    def __init__(self, port: int, role: str, extra_args: tuple[str, ...] = ()) -> None:
        self.port, self.role, self.extra_args = port, role, extra_args
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    def start(self) -> None:
        log = tempfile.NamedTemporaryFile(prefix=f"livebase-moto-{self.role}-", suffix=".log", delete=False)  # noqa: SIM115
        self.log_path = Path(log.name)
        command = [sys.executable, "-m", "livebase_local.aws.moto_process", "--host", HOST, "--port", str(self.port)]
        try:
            self.process = subprocess.Popen(
                [*command, *self.extra_args],
                stdin=subprocess.PIPE,  # closing it (or our death) stops the server
                stdout=log,
                stderr=subprocess.STDOUT,
                # Not in our process group: a Ctrl-C or a group SIGTERM reaches only us, and we stop
                # the servers last, after what still talks to them (no tracebacks from dying clients).
                start_new_session=True,
            )
        finally:
            log.close()

    def wait_ready(self, deadline: float) -> str | None:
        """None once it answers as moto; else why it did not (exited, or the deadline passed)."""
        while not is_moto(self.port, timeout=1.0):
            exited = self.process is None or self.process.poll() is not None
            if exited or time.monotonic() > deadline:
                return f"moto ({self.role}) did not start on {HOST}:{self.port}: {self.log_tail() or 'no output'}"
            time.sleep(0.1)
        return None

    def cpu_seconds(self) -> float | None:
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def log_tail(self, lines: int = 5) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the server (no chance to clean up), as a crash would; ``start`` brings it back."""
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.wait(timeout=10)
            if process.stdin is not None:
                process.stdin.close()
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None

    def begin_stop(self) -> None:
        """Ask the server to stop (close its stdin) without waiting for it."""
        if self.process is not None and self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()

    def stop(self) -> None:
        self.begin_stop()
        process, self.process = self.process, None
        if process is not None:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None


class LocalAws(Started):
    """The local AWS on ``127.0.0.1``: moto on ``port``, and a second moto for Kinesis on ``port + 1``.

    Why two: AWS serves each service from its own endpoint, and so can moto. The live stream's
    puts and reads were a third of the calls a busy market makes, so Kinesis gets its own process
    (and core) and every client reaches it through ``AWS_ENDPOINT_URL_KINESIS``; the deploy creates
    each market's stream there (:mod:`livebase_local.aws.deploy`).

    A port held by anything other than moto is refused (we never send AWS calls to a stranger).
    With ``reuse_existing`` a local AWS already listening (e.g. ``livebase up`` in another shell)
    is attached to and left running on :meth:`stop`. With ``kinesis_journal`` the Kinesis server
    journals what it stores there and replays it when (re)started
    (:mod:`livebase_local.aws.kinesis_journal`), so :meth:`kill_kinesis` and :meth:`restart_kinesis`
    lose nothing that was acknowledged.
    """

    def __init__(
        self, port: int | None = None, *, reuse_existing: bool = True, kinesis_journal: Path | None = None
    ) -> None:
        self.port = configured_port() if port is None else port
        self.kinesis_port = self.port + 1
        self.reuse_existing = reuse_existing
        self.kinesis_journal = kinesis_journal
        self._servers: list[_MotoProcess] = []
        self.owned = False

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def kinesis_endpoint_url(self) -> str:
        return f"http://{HOST}:{self.kinesis_port}"

    def start(self) -> Self:
        running = [port_in_use(port) for port in (self.port, self.kinesis_port)]
        for port, used in zip((self.port, self.kinesis_port), running, strict=True):
            if used and not is_moto(port):
                raise LocalAwsError(
                    f"port {port} on {HOST} is taken by something that is not moto; "
                    f"free it or set {PORT_VARIABLE} to another port (the local AWS uses it and the next one)"
                )
        if all(running):
            if not self.reuse_existing:
                raise LocalAwsError(f"a moto server already runs on port {self.port}; stop it first")
            return self
        if any(running):
            taken = self.port if running[0] else self.kinesis_port
            raise LocalAwsError(f"only half a local AWS is running (moto on {taken}); stop it and start again")
        journal = ("--kinesis-journal", str(self.kinesis_journal)) if self.kinesis_journal else ()
        self._servers = [_MotoProcess(self.port, "main"), _MotoProcess(self.kinesis_port, "kinesis", journal)]
        self.owned = True
        for server in self._servers:
            server.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        for server in self._servers:
            problem = server.wait_ready(deadline)
            if problem is not None:
                self.stop()
                raise LocalAwsError(problem)
        return self

    def kill_kinesis(self) -> None:
        """SIGKILL the Kinesis server (ours only): what it had not journalled is gone, as in a crash."""
        if not self.owned:
            raise LocalAwsError("the Kinesis server is not ours to kill")
        self._servers[1].kill()

    def restart_kinesis(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Start the Kinesis server again (it replays its journal) and wait until it answers."""
        server = self._servers[1]
        server.start()
        problem = server.wait_ready(time.monotonic() + timeout)
        if problem is not None:
            raise LocalAwsError(problem)

    def server_cpu_seconds(self) -> float | None:
        """CPU seconds both server processes have used (Linux ``/proc``); None when not ours or unknown."""
        used = [server.cpu_seconds() for server in self._servers]
        if not used or any(u is None for u in used):
            return None
        return sum(u for u in used if u is not None)

    def log_tail(self, lines: int = 5) -> str:
        """The last lines the servers wrote (their errors), for messages."""
        return " | ".join(tail for server in self._servers if (tail := server.log_tail(lines)))

    def stop(self) -> None:
        """Stop the servers if we started them; attached servers keep running."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.begin_stop()  # both at once, then wait for each
        for server in servers:
            server.stop()
        self.owned = False

    def reset(self) -> None:
        """Clear every service's state on both servers (``POST /moto-api/reset``)."""
        for port in (self.port, self.kinesis_port):
            request = urllib.request.Request(f"http://{HOST}:{port}/moto-api/reset", method="POST", data=b"")
            with urllib.request.urlopen(request, timeout=30) as reply:
                if reply.status != 200:
                    raise LocalAwsError(f"moto reset on port {port} answered HTTP {reply.status}")
