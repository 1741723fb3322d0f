"""The bridge from each market's signal queues to Prefect: stock signals and room alerts as Prefect events.

The stack defines the wiring (``infra_cdk/components/signals.py``): rules on the market bus send
``stock.low`` / ``stock.out`` to the market's replenish-signals queue and room alerts to its
room-alert-signals queue, the same in the cloud and in the local AWS. This poller hands each
message (the event as delivered) to its forwarder (:func:`flows.triggers.forward_stock_signal`,
:func:`flows.room_alerts.forward_room_alert`, both reading it with ``livebase.signals``) and deletes it
once forwarded; a message it cannot forward (a signal its model refuses, Prefect unreachable) stays
for a retry and, after 5 receives, goes to the queue's DLQ (alarmed). One the
residency guard refuses (personal data on its way to Prefect) is kept in the market's own
quarantine (``quarantine/<market>/signal-bridge/residency/``) by the forwarder, then deleted.

Who runs it: ``./livebase up`` locally; in the cloud, a market whose Prefect API EventBridge can
reach names it in its config and the stack POSTs the events itself, and one whose API it cannot
reach (a self-hosted server in a private network) runs this beside its worker::

    python -m flows.signal_bridge sea eu     # PREFECT_API_URL / PREFECT_API_KEY as for the worker

Long polling (20 s) keeps an idle bridge at three requests a minute per queue.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import boto3

from livebase.aws import retry_config
from livebase.markets.residency import ResidencyViolation
from livebase.markets.resources import MarketResources
from livebase.privacy.refused import RefusedDocuments
from livebase.signals import SignalError

log = logging.getLogger(__name__)
Forwarder = Callable[..., Any]  # (event, keep=...) -> the Prefect event, or None when not ours
CONSUMER = "signal-bridge"


def forwarders() -> dict[str, Forwarder]:
    """Queue field of :class:`MarketResources` -> the function that turns its events into Prefect events."""
    from flows.room_alerts import forward_room_alert
    from flows.triggers import forward_stock_signal

    return {"replenish_signals_queue_url": forward_stock_signal, "room_alert_signals_queue_url": forward_room_alert}


@dataclass
class _SignalQueue:
    market: str
    name: str
    url: str
    sqs: Any
    forward: Forwarder
    refused: RefusedDocuments


@dataclass
class SignalBridge:
    """Every signal queue of the given markets, polled in turn; counts of what it forwarded."""

    markets: Mapping[str, MarketResources]
    wait_seconds: int = 0  # 0: return at once (tests, `up`'s loop); 20: long polling (the CLI)
    forwarded: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)  # kept in the market's quarantine, deleted
    queues: list[_SignalQueue] = field(init=False)

    def __post_init__(self) -> None:
        self.queues = []
        for market_id, resources in self.markets.items():
            sqs = boto3.client("sqs", region_name=resources.region, config=retry_config())
            refused = RefusedDocuments.of_market(resources, CONSUMER)
            for name, forward in forwarders().items():
                self.queues.append(_SignalQueue(market_id, name, getattr(resources, name), sqs, forward, refused))

    def poll_once(self) -> int:
        """One receive per queue; returns how many messages were forwarded (and deleted)."""
        handled = 0
        for queue in self.queues:
            reply = queue.sqs.receive_message(
                QueueUrl=queue.url, MaxNumberOfMessages=10, WaitTimeSeconds=self.wait_seconds
            )
            for message in reply.get("Messages", []):
                try:
                    if queue.forward(json.loads(message["Body"]), keep=queue.refused.keep) is not None:
                        self.forwarded[queue.name] = self.forwarded.get(queue.name, 0) + 1
                except ResidencyViolation as refused:  # kept in the market's quarantine: not retried
                    log.warning("signal bridge: %s", refused)
                    self.refused[queue.name] = self.refused.get(queue.name, 0) + 1
                except SignalError as broken:  # its model refuses it (the reason names fields, not data): to its DLQ
                    log.warning("signal bridge: a message of %s (market %s): %s", queue.name, queue.market, broken)
                    continue
                except Exception:  # a bad message must not stop the bridge; it stays for a retry, then its DLQ
                    log.exception("could not forward a message of %s (market %s)", queue.name, queue.market)
                    continue
                queue.sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
                handled += 1
        return handled

    def run_forever(self, stop: threading.Event, idle_sleep: float = 1.0) -> None:
        """Poll until ``stop``; a failed poll (the local AWS gone at shutdown, a network blip) is
        logged once per streak and retried, never raised out of the thread."""
        failing = False
        while not stop.is_set():
            try:
                busy = self.poll_once() > 0
                failing = False
            except Exception as error:
                if stop.is_set():
                    return
                if not failing:
                    log.warning("signal bridge: polling failed (%s); retrying", type(error).__name__)
                failing, busy = True, False
            if not busy:
                stop.wait(idle_sleep)


def main(argv: list[str] | None = None) -> int:
    from flows.markets import SELLING_MARKET_IDS, market_resources

    parser = argparse.ArgumentParser(prog="python -m flows.signal_bridge", description=__doc__.split("\n\n")[0])
    parser.add_argument("markets", nargs="*", choices=SELLING_MARKET_IDS, help="default: every selling market")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    chosen = args.markets or list(SELLING_MARKET_IDS)
    bridge = SignalBridge({m: market_resources(m) for m in chosen}, wait_seconds=20)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("signal bridge: %d queues of %s -> Prefect", len(bridge.queues), ", ".join(chosen))
    bridge.run_forever(stop, idle_sleep=0.0)
    log.info("signal bridge stopped; forwarded %s", bridge.forwarded or "nothing")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
