"""`./livebase up`: local AWS, the event-source runner and a Prefect server, until Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

from livebase.markets.config import load_markets, selling_markets
from livebase_local.commands.prefect_server import LocalPrefectServer
from livebase_local.platform import STATE_DIR, LocalPlatform
from livebase_local.runner.prefect_bridge import StockSignalBridge


def _stop_on_term(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM (a supervisor, `kill`) shuts down like Ctrl-C


def run_up(market_ids: list[str] | None) -> int:
    signal.signal(signal.SIGTERM, _stop_on_term)
    chosen = market_ids or [m.id for m in selling_markets(load_markets())]
    with LocalPlatform(chosen) as platform, LocalPrefectServer(STATE_DIR / "prefect") as prefect_server:
        os.environ["PREFECT_API_URL"] = prefect_server.api_url
        from prefect import serve
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from flows.deployments import deployments

        stop = threading.Event()
        runner = threading.Thread(target=platform.run_forever, args=(stop,), name="event-source", daemon=True)
        runner.start()
        bridge = StockSignalBridge({m: rt.resources for m, rt in platform.runtimes.items()})
        threading.Thread(target=bridge.run_forever, args=(stop,), name="stock-low-bridge", daemon=True).start()
        print(f"local AWS:      {platform.endpoint_url} (markets: {', '.join(chosen)})")
        print(f"Prefect UI:     {prefect_server.ui_url}")
        print(f"handler logs:   {STATE_DIR / 'logs'}")
        print("event-source runner: polling every market's stream; stock.low events trigger")
        print("order-to-replenish for their market. Ctrl-C stops everything.")
        try:
            with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
                serve(*deployments())
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            runner.join(timeout=15)
    print("stopped.")
    return 0
