"""The event-source runner in a process of its own, so the soak benchmark can kill it mid-batch.

``python -m livebase_local.soak.runner_process --spec FILE --checkpoints DIR --logs DIR`` runs every
Kinesis mapping of the markets in ``FILE`` (a pickle the parent wrote after deploying: each
market's :class:`MarketResources`, :class:`EventSourceConfig` list and the SQS mappings of its
order messages), a worker and handler instance per shard as ``livebase up`` does, with checkpoints under ``DIR``
(:mod:`livebase_local.runner.checkpoints`): a restarted runner resumes where the killed one had
settled. Handlers are wrapped by :func:`livebase_local.faults.faulty_handler` (storms, a minute
delivered twice) when ``LIVEBASE_FAULTS`` names a schedule. The AWS endpoints come from the
parent's environment. It exits when its standard input closes (never outliving the parent) and
writes its counters and last errors to ``<logs>/runner-status.json`` every second.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from livebase.markets.resources import MarketResources
from livebase_local.aws.mappings import EventSourceConfig, SqsSourceConfig
from livebase_local.faults import FaultSwitch, faulty_handler
from livebase_local.runner.checkpoints import CheckpointStore
from livebase_local.runner.functions import Handler, function_folder, load_handler
from livebase_local.runner.kinesis_source import KinesisEventSource
from livebase_local.runner.sources import EventSource, EventSources
from livebase_local.runner.sqs_source import SqsEventSource

Spec = dict[str, tuple[MarketResources, list[EventSourceConfig], list[SqsSourceConfig]]]
READY_FILE = "runner-ready"
QUEUE_POLLERS = 4  # concurrent invocations per queue mapping (Lambda starts SQS sources at five)
STATUS_FILE = "runner-status.json"


def _unused(event: dict[str, Any], context: Any) -> Any:
    raise RuntimeError("every shard has its own handler instance (handler_factory)")


def build_sources(spec: Spec, checkpoints: Path, logs: Path, switch: FaultSwitch) -> EventSources:
    """A KinesisEventSource per mapping, each shard's handler its own instance, faults around it; an
    SqsEventSource per queue mapping (the after-sale messages), faults around its handler too."""
    from livebase_local.platform import own_environment, per_shard_handler

    sources: list[EventSource] = []
    for resources, configs, queues in spec.values():
        for queue in queues:
            folder = function_folder(queue.function_name, resources.market)
            own = own_environment(queue.function_name, resources)
            for poller in range(QUEUE_POLLERS):  # Lambda scales an SQS mapping out; each its own container
                handler = load_handler(folder, resources, log_dir=logs, container=f"q{poller}", environment=own)[1]
                seed = zlib.crc32(f"{queue.queue_url}/{poller}".encode())
                sources.append(SqsEventSource(queue, faulty_handler(handler, switch, seed)))
        for config in configs:
            folder = function_folder(config.function_name, resources.market)
            load = per_shard_handler(resources, logs, folder, own_environment(config.function_name, resources))

            def factory(shard_id: str, load: Callable[[str], Handler] = load, name: str = config.function_name) -> Any:
                return faulty_handler(load(shard_id), switch, zlib.crc32(f"{name}/{shard_id}".encode()))

            store = CheckpointStore(checkpoints)
            sources.append(KinesisEventSource(config, _unused, handler_factory=factory, checkpoints=store))
    return EventSources(sources)


def _report(sources: EventSources, path: Path, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        status = {
            "counters": {name: asdict(c) for name, c in sources.counters().items()},
            "last_errors": [e for s in sources.sources for e in list(s.last_errors)[-3:]],
        }
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(status))
        os.replace(temporary, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the Kinesis event-source runner, alone (exits when stdin closes)")
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--checkpoints", type=Path, required=True)
    parser.add_argument("--logs", type=Path, required=True)
    args = parser.parse_args(argv)
    spec: Spec = pickle.loads(args.spec.read_bytes())
    sources = build_sources(spec, args.checkpoints, args.logs, FaultSwitch.from_environment())
    sources.warm()  # cold starts before we say ready
    stop = threading.Event()
    threading.Thread(target=_report, args=(sources, args.logs / STATUS_FILE, stop), daemon=True).start()
    runner = threading.Thread(target=sources.run_forever, args=(stop,), daemon=True)
    runner.start()
    (args.logs / READY_FILE).write_text(str(os.getpid()))
    while sys.stdin.buffer.read(1024):  # the parent never writes; EOF means stop
        pass
    stop.set()
    runner.join(timeout=30)


class RunnerProcess:
    """The parent's handle: start (and wait until warm), SIGKILL, stop."""

    def __init__(self, spec: Path, checkpoints: Path, logs: Path) -> None:
        self.spec, self.checkpoints, self.logs = spec, checkpoints, logs
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 180.0) -> float:
        """Start and wait until every handler is loaded; returns the seconds that took."""
        started = time.monotonic()
        (self.logs / READY_FILE).unlink(missing_ok=True)
        self.starts += 1
        with (self.logs / f"runner-{self.starts}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "livebase_local.soak.runner_process", "--spec", str(self.spec),
                 "--checkpoints", str(self.checkpoints), "--logs", str(self.logs)],
                stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        while not (self.logs / READY_FILE).exists():
            if self.process.poll() is not None or time.monotonic() - started > timeout:
                tail = (self.logs / f"runner-{self.starts}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the runner did not start in {timeout:.0f} s; its log ends:\n{tail}")
            time.sleep(0.1)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL: whatever batch is running is cut off, its checkpoint says where it stood."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process = None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def status(self) -> dict[str, Any]:
        try:
            return dict(json.loads((self.logs / STATUS_FILE).read_text()))
        except (OSError, ValueError):
            return {}


if __name__ == "__main__":
    main()
