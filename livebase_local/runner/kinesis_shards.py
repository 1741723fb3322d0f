"""The local Kinesis runner's state per shard: what was read, what waits, and when to read again.

Kept apart from :mod:`livebase_local.runner.kinesis_source` (the mapping's semantics) so that
module stays readable. Two local timings live here, both on the monotonic clock:

* the batching window (``MaximumBatchingWindowInSeconds``, read from the template): a batch
  smaller than ``batch_size`` waits until the window has passed since its first record was
  read, as Lambda gathers records; with a window of 0 (every Livebase mapping) it goes at once;
* the read cadence: a shard that delivered records within the last ``ACTIVE_SECONDS`` is read
  again after ``ACTIVE_POLL_SECONDS`` when a read finds nothing, an idle one after
  ``IDLE_POLL_SECONDS``. moto has no per-shard read limit (5 reads/s in the cloud), so a busy
  shard's next record waits tens of milliseconds locally, not a fifth of a second, while idle
  shards (most of them) still cost five reads a second each.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from time import monotonic
from typing import Any

from livebase_local.runner.checkpoints import ShardCheckpoint

Record = Mapping[str, Any]
ACTIVE_POLL_SECONDS = 0.05  # a shard with recent records, read again this soon after an empty read
ACTIVE_SECONDS = 1.0  # how long after its last records a shard counts as active


@dataclass
class PendingBatch:
    records: list[Record]
    attempts: int = 0  # failed invocations so far (retries used = attempts - 1 after a failure)


@dataclass
class ShardState:
    shard_id: str
    iterator: str | None = None
    last_read: str | None = None  # sequence number of the last record fetched
    buffer: deque[Record] = field(default_factory=deque)
    batches: deque[PendingBatch] = field(default_factory=deque)  # bisected halves waiting their turn
    closed: bool = False
    settled: str | None = None  # last sequence number up to which every record is settled
    replay: tuple[tuple[str, str], ...] = ()  # batches in flight at the last stop, to rebuild first
    replay_records: list[Record] = field(default_factory=list)
    saved: ShardCheckpoint | None = None
    not_before: float = 0.0  # epoch seconds: an invocation cut off by a crash is still "running" until then
    buffered_since: float | None = None  # monotonic: when the oldest buffered record was read
    active_until: float = 0.0  # monotonic: read again soon until then (records came recently)

    @property
    def idle(self) -> bool:
        return not self.buffer and not self.batches and not self.replay

    def buffered(self, count: int) -> None:
        """``count`` records were added to the buffer: its batching window starts with the first."""
        if count and self.buffered_since is None:
            self.buffered_since = monotonic()

    def batch_ready(self, batch_size: int, window_seconds: float) -> bool:
        """A new batch may be cut from the buffer: it is full, the window has passed, or the shard ended."""
        if not self.buffer:
            return False
        if window_seconds <= 0 or len(self.buffer) >= batch_size or self.closed:
            return True
        return self.buffered_since is not None and monotonic() - self.buffered_since >= window_seconds

    def took(self) -> None:
        """A batch was cut from the buffer: what is left (if anything) starts a new window."""
        self.buffered_since = monotonic() if self.buffer else None

    def worked(self, progress: int) -> None:
        """After a step: records mean the shard is active for a while."""
        if progress:
            self.active_until = monotonic() + ACTIVE_SECONDS

    def pause(self, idle_sleep: float) -> float:
        """Seconds to wait after a step that did nothing: short while the shard is active."""
        return min(idle_sleep, ACTIVE_POLL_SECONDS) if monotonic() < self.active_until else idle_sleep
