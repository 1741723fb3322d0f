"""Where a Kinesis mapping's runner keeps each shard's checkpoint, so a restarted runner resumes there.

Lambda's event source mapping resumes a shard after the last sequence number it fully processed;
a runner that kept that in memory started over from ``TRIM_HORIZON`` (or skipped to ``LATEST``)
after a crash. Here each (function, shard) has one small JSON file, replaced atomically
(write, then ``os.replace``), holding

* ``sequence``: the last sequence number every record up to which is settled (succeeded,
  filtered out or sent to the DLQ); the restart reads after it;
* ``pending``: the (first, last) sequence numbers of the batches in flight or waiting (a batch
  being invoked, bisected halves, a retry after a partial failure), in order. A restart rebuilds
  exactly these batches before reading on, so a batch the crash interrupted is redelivered with
  the same records: handlers that recognise a redelivered batch by its sequence range
  (``livebase.live.shard_minutes``) see the same range, not a longer one overlapping it;
* ``invoked_at``: when the first pending batch's invocation began, if one was running. A crash
  cuts that invocation off; Lambda would see it end at the function's timeout, and only then
  invoke the batch again. The restarted runner waits as long (``resume_at``), so what the cut-off
  invocation held is released first (a powertools idempotency record in progress expires at the
  timeout: an earlier retry would only meet ``IdempotencyAlreadyInProgressError``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ShardCheckpoint:
    sequence: str | None = None  # None: nothing settled yet (start from the mapping's starting position)
    pending: tuple[tuple[str, str], ...] = field(default=())
    invoked_at: float | None = None  # epoch seconds: the first pending batch's invocation was running

    def resume_at(self, timeout_seconds: float) -> float:
        """When a restarted runner may invoke the first pending batch again (epoch seconds)."""
        return 0.0 if self.invoked_at is None else self.invoked_at + timeout_seconds


class CheckpointStore:
    """Checkpoints of every mapping under ``root``: ``<root>/<function name>/<shard id>.json``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, function_name: str, shard_id: str) -> Path:
        return self.root / function_name / f"{shard_id}.json"

    def load(self, function_name: str, shard_id: str) -> ShardCheckpoint:
        path = self.path(function_name, shard_id)
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            return ShardCheckpoint()
        pending = tuple((str(first), str(last)) for first, last in raw.get("pending", []))
        return ShardCheckpoint(raw.get("sequence"), pending, raw.get("invoked_at"))

    def save(self, function_name: str, shard_id: str, checkpoint: ShardCheckpoint) -> None:
        path = self.path(function_name, shard_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        body = {"sequence": checkpoint.sequence, "pending": checkpoint.pending, "invoked_at": checkpoint.invoked_at}
        temporary.write_text(json.dumps(body))
        os.replace(temporary, path)  # atomic: a crash leaves the old checkpoint or the new one

    def all(self) -> dict[tuple[str, str], ShardCheckpoint]:
        """Every stored checkpoint by (function name, shard id): for reports and tests."""
        found = {}
        for path in sorted(self.root.glob("*/*.json")):
            found[(path.parent.name, path.stem)] = self.load(path.parent.name, path.stem)
        return found


Record = dict[str, object]


def pending_end(pending: tuple[tuple[str, str], ...]) -> int:
    """The last sequence number the pending batches reach (-1 when none)."""
    return max((int(last) for _, last in pending), default=-1)


def split_into_batches(
    records: list[Record], pending: tuple[tuple[str, str], ...]
) -> tuple[list[list[Record]], list[Record]]:
    """Records read after a restart (through :func:`pending_end`) -> (the pending batches rebuilt, the rest)."""
    batches: list[list[Record]] = []
    rest = list(records)
    for first, last in pending:
        low, high = int(first), int(last)
        inside = [r for r in rest if low <= int(str(r["SequenceNumber"])) <= high]
        if inside:
            batches.append(inside)
        rest = [r for r in rest if not low <= int(str(r["SequenceNumber"])) <= high]
    return batches, rest
