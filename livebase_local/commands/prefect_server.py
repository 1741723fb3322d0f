"""A local Prefect server (UI included) on 127.0.0.1 and the other children of `livebase up` (the
Prefect worker, the signal bridge), each a process of its own that `up` stops in order."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from livebase_local.started import Started

DEFAULT_PORT = 4200


class PrefectServerError(RuntimeError):
    pass


def _exit_with_parent() -> None:
    """In the child, before exec: SIGTERM it when the process that started it dies (Linux), so a
    killed ``up`` leaves no server behind; elsewhere a no-op."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def api_healthy(api_url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class LocalPrefectServer(Started):
    """``prefect server start`` with analytics off and its database under the project's state dir."""

    def __init__(self, home: Path, port: int | None = None) -> None:
        self.home = home
        self.port = port or int(os.environ.get("LIVEBASE_PREFECT_PORT", DEFAULT_PORT))
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.ui_url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    # A new database's migrations on a loaded 2-core machine (the suite's other worker, a flow run) took
    # over 90 s and `up` gave up ("did not answer within 90s"); quiet machines answer in 10-70 s.
    def start(self, timeout: float = 240.0) -> Self:
        return self.launch().wait_ready(timeout)

    def launch(self) -> Self:
        """Start the server's process and return at once (:meth:`wait_ready` waits for it); nothing
        when one already answers on the port (another `up`: used as it is)."""
        if self._process is not None or api_healthy(self.api_url):
            return self
        self.home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PREFECT_HOME": str(self.home), "DO_NOT_TRACK": "1",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               # The UI asks /ui-settings where the API is: without this it names port 4200 whatever
               # port the server is on, and on a moved port the dashboard talks to another server.
               "PREFECT_UI_API_URL": self.api_url}  # fmt: skip
        env.pop("PREFECT_API_URL", None)
        log = (self.home / "server.log").open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(self.port), "--analytics-off"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
            # Its own session: Ctrl-C and a group SIGTERM reach only `up`, which stops the flows'
            # runner while this server still answers, then stops it.
            start_new_session=True, preexec_fn=_exit_with_parent,
        )  # fmt: skip
        return self

    @contextlib.contextmanager
    def launched(self) -> Iterator[Self]:
        """The process started early, stopped on exit: the demo and `up` deploy the stacks while its
        database migrates (10-70 s on two cores) and :meth:`wait_ready` only when they need it."""
        self.launch()
        try:
            yield self
        finally:
            self.stop()

    def wait_ready(self, timeout: float = 240.0) -> Self:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise PrefectServerError(f"prefect server exited early; see {self.home / 'server.log'}")
            if api_healthy(self.api_url):
                return self
            time.sleep(0.5)
        self.stop()
        raise PrefectServerError(f"prefect server did not answer within {timeout:.0f}s")

    def ui_settings(self, timeout: float = 5.0) -> dict[str, Any]:
        """What the UI is told at start (``/ui-settings``): ``api_url`` is where the browser calls."""
        with urllib.request.urlopen(f"{self.ui_url}/ui-settings", timeout=timeout) as reply:
            return dict(json.load(reply))

    def begin_stop(self) -> None:
        """SIGTERM the server without waiting, so other parts can stop meanwhile."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()

    def stop(self) -> None:
        self.begin_stop()
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                process.wait(timeout=3)  # uvicorn's graceful stop; a stuck one is not worth waiting for
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


class ChildProcess(Started):
    """A long-running child of `up`: its own session (a Ctrl-C reaches only `up`, which stops its
    children in order), SIGTERM when `up` dies, its output in ``log_path``; stopped by SIGTERM to
    its group, then killed after ``grace`` seconds (a worker or bridge mid-poll is not worth waiting for)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path, grace: float = 3.0) -> None:
        self.name, self.argv, self.env, self.log_path, self.grace = name, argv, env, log_path, grace
        self._process: subprocess.Popen[bytes] | None = None
        self._sessions: list[int] = []  # the flow runs' own sessions, found as the stop begins

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> Self:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, preexec_fn=_exit_with_parent,
            )  # fmt: skip
        return self

    def exit_code(self) -> int | None:
        """None while it runs."""
        return None if self._process is None else self._process.poll()

    def begin_stop(self) -> None:
        """SIGTERM to its process group and to every session its children started (the worker starts each
        flow run in a session of its own, which a signal to the worker's group does not reach)."""
        if self._process is not None and self._process.poll() is None:
            self._sessions = [pid for pid in _descendants(self._process.pid) if _leads_session(pid)]
            for pid in self._sessions:
                _signal_pid_group(pid, signal.SIGTERM)
            _signal_group(self._process, signal.SIGTERM)

    def stop(self) -> None:
        self.begin_stop()
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=5)
        _signal_group(process, signal.SIGKILL)  # what it left of its group (a flow run slow to stop)
        for pid in self._sessions:  # flow runs slow to stop, in their own sessions
            _signal_pid_group(pid, signal.SIGKILL)


def _descendants(pid: int) -> list[int]:
    """Every live process below ``pid``, from Linux's /proc (none elsewhere: only the group is signalled)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])  # the name may hold spaces: after ")"
            children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def _leads_session(pid: int) -> bool:
    try:
        return os.getsid(pid) == pid
    except OSError:  # gone already
        return False


def _signal_pid_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # gone already (or reused by another user)
        os.killpg(pid, signum)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # gone already
        os.killpg(process.pid, signum)  # its own session: the group is the child and what it started
