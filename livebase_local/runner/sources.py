"""What every local event source shares (Kinesis: ``kinesis_source``; SQS: ``sqs_source``), and the
driver that runs several of them: their counters, the drain time-out, and ``EventSources``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from livebase_local.gc_tuning import keep_collections_short

IDLE_POLL_SECONDS = 0.2  # a caught-up shard is polled 5 times a second: Kinesis's read limit per shard


class DrainTimeout(TimeoutError):
    """``drain`` did not reach the end of every shard in time (a handler that never succeeds?)."""


@dataclass
class Counters:
    """What the runner did; after a drain ``seen == filtered + succeeded + sent_to_dlq`` (nothing lost)."""

    seen: int = 0  # records read from the stream (each once)
    filtered: int = 0  # records the mapping's filter criteria kept from the function (processed, per Lambda)
    succeeded: int = 0  # records checkpointed as processed
    failed: int = 0  # record deliveries that failed (a record retried twice counts twice)
    sent_to_dlq: int = 0  # records named in on-failure messages
    invocations: int = 0
    handler_errors: int = 0  # invocations that raised
    partial_failures: int = 0  # invocations that reported batchItemFailures
    dlq_messages: int = 0


class EventSource(Protocol):
    """What ``EventSources`` drives: a Kinesis mapping (``kinesis_source``) or an SQS one (``sqs_source``)."""

    config: Any  # EventSourceConfig | SqsSourceConfig: market, function_name
    counters: Counters
    last_errors: deque[str]

    @property
    def caught_up(self) -> bool: ...

    def poll_once(self) -> int: ...

    def warm(self) -> None: ...

    def run_forever(self, stop_event: threading.Event, idle_sleep: float = ...) -> None: ...


class EventSources:
    """Several mappings (markets, Kinesis and SQS) driven together from one thread."""

    def __init__(self, sources: Iterable[EventSource]) -> None:
        self.sources = list(sources)

    def poll_once(self) -> int:
        return sum(source.poll_once() for source in self.sources)

    def drain(self, timeout: float = 120.0) -> dict[str, Counters]:
        deadline = time.monotonic() + timeout
        while True:
            if self.poll_once() == 0 and all(s.caught_up for s in self.sources):
                return self.counters()
            if time.monotonic() > deadline:
                errors = [e for s in self.sources for e in list(s.last_errors)[-2:]]
                raise DrainTimeout(f"event sources not caught up after {timeout} s; last errors: {errors}")

    def run_forever(self, stop_event: threading.Event, idle_sleep: float = IDLE_POLL_SECONDS) -> None:
        """Every mapping at once, each with a worker per shard (see ``KinesisEventSource.run_forever``)."""
        keep_collections_short()  # handlers are loaded: keep full collections off the records' path
        threads = [
            threading.Thread(target=source.run_forever, args=(stop_event, idle_sleep), daemon=True)
            for source in self.sources
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def warm(self) -> None:
        for source in self.sources:
            source.warm()

    def counters(self) -> dict[str, Counters]:
        """Per ``market/function``."""
        return {f"{s.config.market}/{s.config.function_name}": s.counters for s in self.sources}
