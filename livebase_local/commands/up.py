"""`./livebase up`: local AWS, the event-source runner, a Prefect server, worker and signal bridge, until Ctrl-C.

Locally as in the cloud: the flow catalogue's deployments (``flows/deployments.py``) are applied to
the local process work pool (``livebase-process``) and run by a real ``prefect worker`` (a child
process), the signal bridge (``flows/signal_bridge.py``) runs beside it as its own process, and hq
is deployed (aggregates only) so regional-processing has somewhere to put its roll-up. Every
market gets the seeded catalogue and opening stock (``./livebase stock`` books it again, idempotently).
Each step of the start is printed with its seconds; a flow run that fails is printed with its reason.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Any
from uuid import UUID

from livebase.markets.config import load_markets, selling_markets
from livebase_local.commands.prefect_server import ChildProcess, LocalPrefectServer
from livebase_local.commands.run_log import RunLog
from livebase_local.fx_feed import refresh_local_rates
from livebase_local.platform import PROJECT_ROOT, STATE_DIR, LocalPlatform, Progress
from livebase_local.simulator.stock import book_opening

log = logging.getLogger("livebase.up")  # to the run's log file, not the terminal
log.setLevel(logging.INFO)
WORKER_QUERY_SECONDS = 5  # how often the worker asks for scheduled runs (Prefect's default: 10)
# Flow runs at once (the rest wait, Scheduled, for a slot): every served deployment started together
# on two cores made the server's SQLite refuse writes ("database is locked" -> HTTP 503) for over a
# minute, past the client's retries, and the worker reported runs Crashed before they began.
WORKER_LIMIT = 4
CLIENT_RETRIES = 8  # Prefect's client tries a 503 again after 2, 4, 8, ... s (its default: 5 tries)
WATCH_SECONDS = 3.0  # how often `up` looks for failed runs and exited children
Report = Callable[[str], None]  # a line on the terminal `up` was started from


def _stop_on_term(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM (a supervisor, `kill`) shuts down like Ctrl-C


# How `up` stops (Ctrl-C, or SIGTERM to it or its process group), in order and within seconds: the
# children it started are in sessions of their own, so the signal reaches only this process; the
# event-source threads are told to stop, and meanwhile the worker (with its flow runs) and the
# signal bridge stop while the Prefect server still answers (the schedules are left as they are),
# then the Prefect server and last the local AWS.


def apply_prefect_setup(markets: list[str]) -> None:
    """The process pool and the per-market limits, idempotently."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.workers.process import ProcessWorker

    from flows.market_limits import ensure_market_limits
    from flows.prefect_yaml import PROCESS_POOL

    with get_client(sync_client=True) as client:
        with contextlib.suppress(ObjectAlreadyExists):
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(WorkPoolCreate(name=PROCESS_POOL, type="process", base_job_template=template))
        ensure_market_limits("order-to-replenish", markets)


def for_markets(served: list[Any], chosen: list[str]) -> list[Any]:
    """Deployments whose flow takes ``markets`` default to the markets `up` runs (the others have
    no stack here: an hourly run over every market failed on the absent ones); those that take one
    ``market`` default to the first (a run from the UI with the defaults was refused: "'market' is a
    required property"; a market's schedule still names its own)."""
    for deployment in served:
        properties = deployment._parameter_openapi_schema.properties
        if "markets" in properties:
            deployment.parameters.setdefault("markets", chosen)
        elif "market" in properties:
            deployment.parameters.setdefault("market", chosen[0])
    return served


def deploy_to_pool(chosen: list[str]) -> dict[UUID, str]:
    """The catalogue's deployments on the process pool, code from this checkout (as prefect.yaml's
    ``set_working_directory`` pull step does), and the room-alert automation; ids -> names."""
    from prefect.client.orchestration import get_client
    from prefect.runner.storage import LocalStorage

    from flows.catalogue import FLOWS
    from flows.deployments import deployments
    from flows.prefect_yaml import PROCESS_POOL
    from flows.room_alerts import apply_room_alert_automation

    applied = {}
    for spec, deployment in zip(FLOWS, for_markets(deployments(chosen), chosen), strict=True):
        deployment.storage = LocalStorage(str(PROJECT_ROOT))
        deployment.entrypoint = spec.entrypoint  # relative to the checkout, whatever the cwd of `up`
        applied[deployment.apply(work_pool_name=PROCESS_POOL)] = f"{spec.name}/{deployment.name}"
    with get_client(sync_client=True) as client:
        apply_room_alert_automation(client)  # room-alert/room-alert exists now
    return applied


def child_environment(api_url: str) -> dict[str, str]:
    """What the worker, its flow runs and the bridge see: this process's local AWS and Prefect API,
    this interpreter first on PATH (the worker starts runs with ``python``)."""
    return {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(STATE_DIR / "prefect"),
        "PREFECT_WORKER_QUERY_SECONDS": str(WORKER_QUERY_SECONDS),
        "PREFECT_CLIENT_MAX_RETRIES": str(CLIENT_RETRIES),
        "PREFECT_RUNNER_AUTO_INSTALL_DEPENDENCIES": "false",  # never `uv run` into another environment
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
        "PYTHONUNBUFFERED": "1",
    }


def worker_process(api_url: str, name: str) -> ChildProcess:
    from flows.prefect_yaml import PROCESS_POOL

    argv = [sys.executable, "-m", "prefect", "worker", "start", "--pool", PROCESS_POOL, "--type", "process",
            "--name", name, "--limit", str(WORKER_LIMIT)]  # fmt: skip
    return ChildProcess("Prefect worker", argv, child_environment(api_url), STATE_DIR / "logs" / "prefect-worker.log")


def bridge_process(api_url: str, markets: list[str]) -> ChildProcess:
    argv = [sys.executable, "-m", "flows.signal_bridge", *markets]
    log = STATE_DIR / "logs" / "signal-bridge.log"
    # Killed after a second: it is mostly inside a 20 s long poll, and a message it held comes back.
    return ChildProcess("signal bridge", argv, child_environment(api_url), log, grace=1.0)


class FailedRuns:
    """Flow runs of `up`'s deployments that ended Failed or Crashed since ``since``, each told once
    with its state message (the exception: ``LookupError('hq stack Livebase-hq not found')``)."""

    def __init__(self, api_url: str, deployments: dict[UUID, str], since: datetime) -> None:
        self.api_url, self.deployments, self.since = api_url, deployments, since
        self.told: set[UUID] = set()

    def new_lines(self) -> list[str]:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import (
            DeploymentFilter,
            DeploymentFilterId,
            FlowRunFilter,
            FlowRunFilterStartTime,
            FlowRunFilterState,
            FlowRunFilterStateType,
        )
        from prefect.client.schemas.objects import StateType

        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.FAILED, StateType.CRASHED])),
                    start_time=FlowRunFilterStartTime(after_=self.since),
                ),
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=list(self.deployments))),
            )
        lines = []
        for run in runs:
            if run.id in self.told or run.state is None:
                continue
            self.told.add(run.id)
            name = self.deployments.get(run.deployment_id, "?") if run.deployment_id else "?"
            lines.append(f"flow run {name} ({run.name}) {run.state.name}: {run.state.message or 'no message'}")
        return lines


def watch(stop: threading.Event, failed: FailedRuns, children: list[ChildProcess], report: Report) -> None:
    """Until ``stop`` (Ctrl-C): report failed runs' reasons, and a child that exited (with its log)."""
    told_exit: set[str] = set()
    while not stop.wait(WATCH_SECONDS):
        try:
            for line in failed.new_lines():
                report(line)
        except Exception as error:  # the server busy or going: said, never raised
            report(f"(could not read flow runs: {type(error).__name__})")
        for child in children:
            code = child.exit_code()
            if code is not None and child.name not in told_exit:
                told_exit.add(child.name)
                report(f"{child.name} exited with {code}; see {child.log_path}")


def run_up(market_ids: list[str] | None) -> int:
    """Start everything (each step reported with its seconds), then watch until Ctrl-C / SIGTERM."""
    signal.signal(signal.SIGTERM, _stop_on_term)
    chosen = market_ids or [m.id for m in selling_markets(load_markets())]
    with RunLog(STATE_DIR / "logs", "up") as run:
        say = Progress(run.report)
        run.report(f"starting local AWS, the stacks of {', '.join(chosen)} and hq, then Prefect (a cold start "
                   f"takes minutes; libraries' logs go to {run.path}):")  # fmt: skip
        # The Prefect server's process first: its database migrates while the stacks deploy.
        with (
            LocalPrefectServer(STATE_DIR / "prefect").launched() as prefect_server,
            LocalPlatform(chosen, with_hq=True, progress=say) as platform,
        ):
            say.begin("waiting for the Prefect server (started beside the stacks; longer on its first start)")
            prefect_server.wait_ready()
            say(f"Prefect server on {prefect_server.ui_url}")
            serve_until_stopped(run, say, platform, prefect_server, chosen)
    print("stopped.")
    return 0


def serve_until_stopped(
    run: RunLog, say: Progress, platform: LocalPlatform, prefect_server: LocalPrefectServer, chosen: list[str]
) -> None:
    """Stock, deployments, worker and bridge; then report failed runs until Ctrl-C, and stop the children."""
    os.environ["PREFECT_API_URL"] = prefect_server.api_url
    for market_id in chosen:
        say(f"opening stock: {book_opening(platform.runtimes[market_id].resources).line()}")
    from prefect.settings import PREFECT_API_URL, temporary_settings

    run.quiet_terminal()  # Prefect, just imported, logs to the terminal: onto the run's log instead
    say.begin("applying the flow catalogue's deployments to the local work pool (imports every flow)")
    with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
        apply_prefect_setup(chosen)
        applied = deploy_to_pool(chosen)
    say(f"{len(applied)} deployments on work pool livebase-process; automation livebase-room-alert applied")
    for line in refresh_local_rates(STATE_DIR / "fx-feed", chosen):  # issue 30: rates that never run out locally
        say(line)
    stop = threading.Event()
    runner = threading.Thread(target=platform.run_forever, args=(stop,), name="event-source", daemon=True)
    runner.start()
    started = datetime.now(UTC)
    children = [worker_process(prefect_server.api_url, f"livebase-up-{prefect_server.port}"),
                bridge_process(prefect_server.api_url, chosen)]  # fmt: skip
    try:
        for child in children:
            child.start()
        started_children = ", ".join(f"{child.name} started (pid {child.pid})" for child in children)
        say(f"event-source runner polling {len(platform.sources.sources)} sources; {started_children}")
        _report_ready(run.report, platform, prefect_server, chosen)
        with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
            watch(stop, FailedRuns(prefect_server.api_url, applied, started), children, run.report)
    except KeyboardInterrupt:
        pass
    finally:
        stopping = time.monotonic()
        stop.set()  # the event-source threads finish their last poll meanwhile
        for child in children:  # all at once: each may take its grace
            child.begin_stop()
        for child in children:
            child.stop()
        log.info("worker and bridge stopped in %.1f s", time.monotonic() - stopping)
        prefect_server.begin_stop()  # after the worker: it reports to the server as it stops
        runner.join(timeout=3)
        log.info("event-source runner stopped after %.1f s", time.monotonic() - stopping)


def _report_ready(
    report: Report, platform: LocalPlatform, prefect_server: LocalPrefectServer, chosen: list[str]
) -> None:
    logs = STATE_DIR / "logs"
    report(f"local AWS:      {platform.endpoint_url} (markets: {', '.join(chosen)}; hq for the roll-up)")
    report(f"Prefect UI:     {prefect_server.ui_url} (limits: order-to-replenish:<market>, 1 run each)")
    report(f"logs:           {logs} (handlers; prefect-worker.log: flow runs; signal-bridge.log)")
    report("stock:          catalogue and opening stock booked; `./livebase stock` books them again (idempotent)")
    report("try:            ./livebase simulate --market <m> --send   (a live day of orders into the stream)")
    report("event-source runner: polling every market's stream; stock.low events trigger order-to-replenish")
    report("for their market, room alerts the room-alert flow; failed flow runs are reported here with why.")
    report("Ctrl-C stops everything.")
