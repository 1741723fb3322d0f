"""`./livebase up`: local AWS, the event-source runner and a Prefect server, until Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from types import FrameType
from typing import Any

from livebase.markets.config import load_markets, selling_markets
from livebase_local.commands.prefect_server import LocalPrefectServer
from livebase_local.platform import STATE_DIR, LocalPlatform


def _stop_on_term(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM (a supervisor, `kill`) shuts down like Ctrl-C


# How `up` stops (Ctrl-C, or SIGTERM to it or its process group), in order and within seconds: the
# servers it started are in sessions of their own, so the signal reaches only this process; the
# flows' runner stops first while the Prefect server still answers (its schedules are left as they
# are: pausing them at shutdown cost a minute of retries when the server had already gone), then the
# event-source and bridge threads are told to stop, then the Prefect server and last the local AWS.


def apply_prefect_setup(markets: list[str]) -> None:
    """What `serve` does not create, idempotently: the process pool and the per-market limits."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.workers.process import ProcessWorker

    from flows.market_limits import ensure_market_limits
    from flows.prefect_yaml import PROCESS_POOL

    with get_client(sync_client=True) as client:
        with contextlib.suppress(ObjectAlreadyExists):  # prefect.yaml's local pool, for a worker
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(WorkPoolCreate(name=PROCESS_POOL, type="process", base_job_template=template))
        ensure_market_limits("order-to-replenish", markets)


def apply_room_alert_automation_when_served(api_url: str, stop: threading.Event, timeout: float = 120.0) -> None:
    """Once `serve` has registered room-alert/room-alert: create or update the automation (by name)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.room_alerts import apply_room_alert_automation

    deadline = time.monotonic() + timeout
    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                apply_room_alert_automation(client)
            except ObjectNotFound:
                stop.wait(1.0)
                continue
            print("automation:   livebase-room-alert (livebase.room.alert -> room-alert)")
            return
    if not stop.is_set():
        print("automation:   livebase-room-alert NOT applied: room-alert/room-alert was not served")


def for_markets(served: list[Any], chosen: list[str]) -> list[Any]:
    """Deployments whose flow takes ``markets`` default to the markets `up` runs (the others have
    no stack here: an hourly run over every market failed on the absent ones)."""
    for deployment in served:
        if "markets" in deployment._parameter_openapi_schema.properties:
            deployment.parameters.setdefault("markets", chosen)
    return served


def run_up(market_ids: list[str] | None) -> int:
    signal.signal(signal.SIGTERM, _stop_on_term)
    chosen = market_ids or [m.id for m in selling_markets(load_markets())]
    with LocalPlatform(chosen) as platform, LocalPrefectServer(STATE_DIR / "prefect") as prefect_server:
        os.environ["PREFECT_API_URL"] = prefect_server.api_url
        from prefect import serve
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from flows.deployments import deployments

        with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
            apply_prefect_setup(chosen)
        stop = threading.Event()
        runner = threading.Thread(target=platform.run_forever, args=(stop,), name="event-source", daemon=True)
        runner.start()
        from flows.signal_bridge import SignalBridge

        bridge = SignalBridge({m: rt.resources for m, rt in platform.runtimes.items()})
        threading.Thread(target=bridge.run_forever, args=(stop,), name="signal-bridge", daemon=True).start()
        print(f"local AWS:      {platform.endpoint_url} (markets: {', '.join(chosen)})")
        print(f"Prefect UI:     {prefect_server.ui_url} (limits: order-to-replenish:<market>, 1 run each)")
        print(f"handler logs:   {STATE_DIR / 'logs'}")
        print("event-source runner: polling every market's stream; stock.low events trigger")
        print("order-to-replenish for their market, room alerts the room-alert flow. Ctrl-C stops everything.")
        try:
            with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
                threading.Thread(target=apply_room_alert_automation_when_served, args=(prefect_server.api_url, stop),
                                 name="automation", daemon=True).start()  # fmt: skip
                serve(*for_markets(deployments(chosen), chosen), pause_on_shutdown=False)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            prefect_server.begin_stop()  # while the threads finish their last poll
            runner.join(timeout=3)
    print("stopped.")
    return 0
