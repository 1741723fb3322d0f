"""The local AWS: moto in server mode on 127.0.0.1, in a child process, as a context manager.

The server runs in :mod:`livebase_local.moto_process` (its own core, and a patch for a Kinesis
cost that grows with the stream); this module starts, finds, checks and stops it. Every client
(boto3, pynamodb, powertools) reaches it through ``AWS_ENDPOINT_URL`` (see
:mod:`livebase_local.aws_env`), so application code never branches on "local".
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

DEFAULT_PORT = 4566
PORT_VARIABLE = "LIVEBASE_AWS_PORT"
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60.0


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
    """A port the OS reports free on 127.0.0.1 (for tests that must not collide)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def is_moto(port: int, timeout: float = 2.0) -> bool:
    """True when whatever listens on ``port`` answers moto's own ``/moto-api/config`` endpoint."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/moto-api/config", timeout=timeout) as reply:
            body = json.loads(reply.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return isinstance(body, dict) and "batch" in body


class LocalAws:
    """moto on ``127.0.0.1:<port>``; starts its own server or attaches to a running moto.

    A port held by anything other than moto is refused (we never send AWS calls to a stranger).
    With ``reuse_existing`` a moto already listening (e.g. ``livebase up`` in another shell)
    is attached to and left running on :meth:`stop`.
    """

    def __init__(self, port: int | None = None, *, reuse_existing: bool = True) -> None:
        self.port = configured_port() if port is None else port
        self.reuse_existing = reuse_existing
        self._process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self.owned = False

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> LocalAws:
        if port_in_use(self.port):
            if not is_moto(self.port):
                raise LocalAwsError(
                    f"port {self.port} on {HOST} is taken by something that is not moto; "
                    f"free it or set {PORT_VARIABLE} to another port"
                )
            if not self.reuse_existing:
                raise LocalAwsError(f"a moto server already runs on port {self.port}; stop it first")
            return self
        log = tempfile.NamedTemporaryFile(prefix="livebase-moto-", suffix=".log", delete=False)  # noqa: SIM115
        self.log_path = Path(log.name)
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "livebase_local.moto_process", "--host", HOST, "--port", str(self.port)],
                stdin=subprocess.PIPE,  # closing it (or our death) stops the server
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        self._process, self.owned = process, True
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not is_moto(self.port, timeout=1.0):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop()
                raise LocalAwsError(f"moto did not start on {HOST}:{self.port}: {tail or 'no output'}")
            time.sleep(0.1)
        return self

    def server_cpu_seconds(self) -> float | None:
        """CPU seconds the server process has used (Linux ``/proc``); None when not ours or unknown."""
        if self._process is None:
            return None
        try:
            fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def log_tail(self, lines: int = 5) -> str:
        """The last lines the server wrote (its errors), for messages."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server if we started it; an attached server keeps running."""
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None
        self.owned = False

    def reset(self) -> None:
        """Clear every service's state (``POST /moto-api/reset``)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as reply:
            if reply.status != 200:
                raise LocalAwsError(f"moto reset answered HTTP {reply.status}")

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
