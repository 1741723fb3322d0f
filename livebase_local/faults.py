"""Faults on a schedule, for the soak benchmark: one JSON file that every process of the run reads.

Why a file: the faults act in three processes (moto's: DynamoDB throttling, EventBridge put
failures; the event-source runner's: handler exception storms, a minute delivered twice; the
benchmark's: kills and restarts). The benchmark writes the seeded schedule once (windows in epoch
seconds) and each process re-reads it when it changes, so no process needs a control API and a
restarted process picks the schedule up again. Without the file (``LIVEBASE_FAULTS`` unset)
nothing is injected.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FAULTS_VARIABLE = "LIVEBASE_FAULTS"
DYNAMODB_THROTTLE = "dynamodb_throttle"  # a share of DynamoDB calls answer ProvisionedThroughputExceeded
PUT_EVENTS_FAIL = "put_events_fail"  # a share of PutEvents calls fail every entry (ThrottlingException)
HANDLER_STORM = "handler_storm"  # a share of invocations raise (half before the handler ran, half after)
DELIVER_TWICE = "deliver_twice"  # every batch invoked twice (its checkpoint "lost" once)
RUNNER_KILL = "runner_kill"  # the runner process SIGKILLed at start, restarted at end
KINESIS_KILL = "kinesis_kill"  # the Kinesis moto process SIGKILLed at start, restarted at end
_REREAD_SECONDS = 0.25

Handler = Callable[[dict[str, Any], Any], Any]


class InjectedFault(RuntimeError):
    """Raised by the runner's fault wrapper: a handler exception of the storm."""


@dataclass(frozen=True)
class Window:
    kind: str
    start: float  # epoch seconds
    end: float
    share: float = 1.0  # of calls / invocations hit while active

    def covers(self, now: float) -> bool:
        return self.start <= now < self.end


def save(path: Path, windows: list[Window]) -> None:
    """Write the schedule atomically (readers never see half a file)."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps([asdict(w) for w in windows], indent=1))
    os.replace(temporary, path)


def load(path: Path) -> list[Window]:
    return [Window(**entry) for entry in json.loads(path.read_text())]


class FaultSwitch:
    """What is active now, from the schedule file (re-read when its mtime changes, at most 4 times a second)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._windows: list[Window] = []
        self._mtime = 0.0
        self._checked = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> FaultSwitch:
        value = os.environ.get(FAULTS_VARIABLE)
        return cls(Path(value) if value else None)

    def _refresh(self, now: float) -> None:
        if self.path is None or now - self._checked < _REREAD_SECONDS:
            return
        with self._lock:
            self._checked = now
            try:
                mtime = self.path.stat().st_mtime
                if mtime != self._mtime:
                    self._windows, self._mtime = load(self.path), mtime
            except (OSError, ValueError, TypeError):
                pass  # no schedule yet, or being replaced: keep the last one read

    def share(self, kind: str, now: float | None = None) -> float:
        """The share of calls the fault ``kind`` hits now (0.0: not active)."""
        now = time.time() if now is None else now
        self._refresh(now)
        return max((w.share for w in self._windows if w.kind == kind and w.covers(now)), default=0.0)


def faulty_handler(handler: Handler, switch: FaultSwitch, seed: int) -> Handler:
    """The handler with the runner's faults around it: exception storms and batches delivered twice.

    A storm's exception is raised before the handler runs or after it has (its writes done, its
    answer lost), as a crash of either kind looks to the event source; delivered twice runs the
    handler on the same event twice, as Lambda does when a checkpoint is lost.
    """
    rng = random.Random(seed)

    def invoke(event: dict[str, Any], context: Any) -> Any:
        storm = switch.share(HANDLER_STORM)
        if storm and rng.random() < storm:
            if rng.random() < 0.5:
                raise InjectedFault("injected handler exception (before the handler ran)")
            handler(event, context)
            raise InjectedFault("injected handler exception (after the handler ran)")
        if switch.share(DELIVER_TWICE):
            handler(event, context)  # the first delivery; the event source does not see its answer
        return handler(event, context)

    return invoke
