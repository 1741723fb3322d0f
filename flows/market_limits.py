"""One run of a flow per market at a time: a Prefect global concurrency limit per flow and market.

The hourly ``order-to-replenish`` (every market), a ``stock.low`` run (one market), a run from
the UI and, in the cloud, the per-market ECS deployments of ``prefect.yaml`` are all runs of one
flow: a deployment's own concurrency limit cannot see across them. So the flow itself takes one
slot of ``order-to-replenish:<market>`` (limit 1) for every market it covers, all at once (the
server grants all of a run's slots or none, so two runs over overlapping markets cannot
deadlock), and holds them until it ends. A second run for a market waits for the first (it then
sees the purchase orders the first placed as on order), up to ``wait_seconds`` (at least 1:
Prefect refuses even a free slot at 0); then it fails with the reason. The limits are created
if absent (by ``./livebase up`` at start, and by the flow before it asks), so a fresh server or
Prefect Cloud workspace needs no set-up step.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

MARKET_SLOTS = 1  # runs of one flow that may work on one market at once
DEFAULT_WAIT_SECONDS = 30 * 60  # an hourly run takes minutes; a second one waits this long, then fails


def limit_name(flow_name: str, market: str) -> str:
    return f"{flow_name}:{market}"


def ensure_market_limits(flow_name: str, markets: Iterable[str], client: Any | None = None) -> list[str]:
    """Create ``<flow>:<market>`` (limit 1) for each market where it is absent; idempotent.

    An existing limit is left as it is (ops may have paused or widened it in the UI).
    """
    names = [limit_name(flow_name, m) for m in markets]
    if client is None:
        with get_client(sync_client=True) as own:
            return ensure_market_limits(flow_name, markets, own)
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    for name in names:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):  # another run created it in between
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=MARKET_SLOTS))
    return names


@contextmanager
def market_slots(flow_name: str, markets: list[str], wait_seconds: float = DEFAULT_WAIT_SECONDS) -> Iterator[None]:
    """Hold one slot per market of ``flow_name`` while the body runs; ``TimeoutError`` if not granted.

    Raises ``prefect.concurrency.asyncio.AcquireConcurrencySlotTimeoutError`` (a ``TimeoutError``)
    when another run holds a market longer than ``wait_seconds``.
    """
    names = ensure_market_limits(flow_name, markets)
    with concurrency(names, occupy=1, timeout_seconds=wait_seconds, strict=True):
        yield
