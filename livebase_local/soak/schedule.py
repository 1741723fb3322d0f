"""The soak's seeded fault schedule, and how long the consumers take to catch up after a restart.

Every fault of issue 21 is placed at a fraction of the run with seeded jitter, each at least once:
DynamoDB throttling bursts and EventBridge put failures (twice each), a handler exception
storm, the runner killed mid-batch and restarted, the Kinesis process killed and restarted, and
one minute (shorter in short runs) in which every batch is delivered twice. Windows scale with
the run (at most 15 s; the minute is 60 s from a 5-minute run up).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from livebase_local.faults import (
    DELIVER_TWICE,
    DYNAMODB_THROTTLE,
    HANDLER_STORM,
    KINESIS_KILL,
    PUT_EVENTS_FAIL,
    RUNNER_KILL,
    Window,
)
from livebase_local.runner.checkpoints import CheckpointStore

_PLAN = (  # kind, fraction of the run, share hit
    (DYNAMODB_THROTTLE, 0.12, 0.3),
    (PUT_EVENTS_FAIL, 0.25, 0.5),
    (HANDLER_STORM, 0.35, 0.5),
    (RUNNER_KILL, 0.45, 1.0),
    (KINESIS_KILL, 0.55, 1.0),
    (DYNAMODB_THROTTLE, 0.63, 0.3),
    (PUT_EVENTS_FAIL, 0.70, 0.5),
    (DELIVER_TWICE, 0.78, 1.0),
)


def build_schedule(seed: int, start: float, seconds: float) -> list[Window]:
    """Windows in epoch seconds for a run of ``seconds`` from ``start``."""
    rng = random.Random(seed)
    burst = min(15.0, max(2.0, seconds * 0.06))
    down = min(6.0, max(1.0, seconds * 0.02))
    minute = 60.0 if seconds >= 300 else max(3.0, seconds * 0.12)
    windows = []
    for kind, fraction, share in _PLAN:
        at = start + seconds * (fraction + rng.uniform(-0.02, 0.02))
        length = minute if kind == DELIVER_TWICE else down if kind in (RUNNER_KILL, KINESIS_KILL) else burst
        windows.append(Window(kind, round(at, 3), round(at + length, 3), share))
    return windows


def caught_up(store: CheckpointStore, functions: list[str], targets: dict[str, int]) -> bool:
    """Every function's checkpoint of every shard in ``targets`` at or past its sequence number."""
    stored = store.all()
    for function in functions:
        for shard, target in targets.items():
            checkpoint = stored.get((function, shard))
            if checkpoint is None or int(checkpoint.sequence or 0) < target:
                return False
    return True


def recovery_seconds(
    store: CheckpointStore, functions: list[str], wanted: dict[str, int], since: float, limit: float
) -> float | None:
    """Seconds from ``since`` until the checkpoints reach ``wanted`` (None: not within ``limit``)."""
    while time.time() - since < limit:
        if caught_up(store, functions, wanted):
            return time.time() - since
        time.sleep(0.25)
    return None


def journal_size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0
