"""The bridge from the market bus to Prefect: a ``stock.low`` EventBridge event becomes a Prefect
event that the ``order-to-replenish`` deployment trigger reacts to, for that market only.

The stack's rule on each market bus (``source = livebase.inventory``, ``detail-type = stock.low``
/ ``stock.out``) sends them to the market's replenish-signals queue, which
:mod:`flows.signal_bridge` drains through :func:`forward_stock_signal` (``./livebase up`` runs it
locally; in the cloud it runs beside the worker). A market whose config names its Prefect API also
gets a rule targeting an EventBridge API destination that POSTs the same event shape to Prefect's
``/events`` (``infra_cdk/components/signals.py``). Only business facts cross: SKU, market,
remaining units; no order or viewer. Every forwarder emits through :func:`emit_guarded`, the
residency guard (Prefect is off-region, aggregates only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from prefect.events import DeploymentEventTrigger, emit_event

from flows.markets import MARKETS
from livebase.privacy.guard import OFF_REGION, Keeper, audience, send_guarded
from livebase.signals import BusSignal, OtherSignal, parse_event
from livebase.signals.stock import STOCK_LOW, STOCK_OUT, StockLevel

PREFECT_STOCK_LOW = "livebase.stock.low"
PREFECT_STOCK_OUT = "livebase.stock.out"  # an order that sells the last units skips "low"
PREFECT_STOCK_EVENTS = {STOCK_LOW: PREFECT_STOCK_LOW, STOCK_OUT: PREFECT_STOCK_OUT}
MARKET_RESOURCE_PREFIX = "livebase.market."
PREFECT_PAYLOAD_FIELDS = {"sku", "warehouse", "remaining", "low_mark"}  # as the cloud rule's input transformer

Emitter = Callable[..., Any]
PrefectEvent = tuple[str, dict[str, Any]]  # (the market it is of, emit's keyword arguments)
S = TypeVar("S", bound=BusSignal)


def stock_low_resource(market: str, sku: str) -> dict[str, str]:
    return {
        "prefect.resource.id": f"{MARKET_RESOURCE_PREFIX}{market}",
        "prefect.resource.name": f"market {market}",
        "livebase.market": market,
        "livebase.sku": sku,
    }


def emit_guarded(market: str, emit: Emitter, keep: Keeper | None, **event: Any) -> Any:
    """``emit(**event)`` through the residency guard: a Prefect event carrying personal data is
    refused (``ResidencyViolation``) and kept by ``keep`` in the market's own quarantine."""
    source = MARKETS.get(market) or audience(market, "an unknown market")
    return send_guarded(source, OFF_REGION, event, lambda e: emit(**e), keep, what="prefect event")


def forward_signal(
    event: Mapping[str, Any],
    expected: type[S],
    prefect_event: Callable[[S], PrefectEvent],
    emit: Emitter,
    keep: Keeper | None,
) -> Any | None:
    """Emit the Prefect event ``prefect_event`` makes of a delivered signal of type ``expected``, through
    the residency guard; ignore any other signal. A malformed one raises ``livebase.signals.SignalError``."""
    try:
        signal = parse_event(event, expected).signal
    except OtherSignal:
        return None
    market, fields = prefect_event(signal)
    return emit_guarded(market, emit, keep, **fields)


def stock_event(signal: StockLevel) -> PrefectEvent:
    """``livebase.stock.low`` / ``.out`` for the signal's market: SKU, warehouse and units only."""
    return signal.market, {
        "event": PREFECT_STOCK_EVENTS[signal.DETAIL_TYPE],
        "resource": stock_low_resource(signal.market, signal.sku),
        "payload": signal.model_dump(mode="json", include=PREFECT_PAYLOAD_FIELDS),
    }


def forward_stock_signal(
    event: Mapping[str, Any], emit: Emitter = emit_event, keep: Keeper | None = None
) -> Any | None:
    """Emit ``livebase.stock.low`` / ``.out`` for a ``stock.low`` / ``stock.out`` event as the bus
    delivers it (an order that takes stock from OK to none raises only ``stock.out``)."""
    return forward_signal(event, StockLevel, stock_event, emit, keep)


def stock_low_trigger() -> DeploymentEventTrigger:
    """Run the deployment for the market that emitted ``livebase.stock.low`` or ``livebase.stock.out``.

    One run per market per burst: events are grouped per market resource and a market that
    keeps signalling starts at most one run per 10 minutes (the run covers all its SKUs).
    """
    return DeploymentEventTrigger(
        name="stock-low",
        expect=set(PREFECT_STOCK_EVENTS.values()),
        match={"prefect.resource.id": f"{MARKET_RESOURCE_PREFIX}*"},
        for_each={"prefect.resource.id"},
        posture="Reactive",  # type: ignore[arg-type]
        threshold=1,
        within=600,  # type: ignore[arg-type]
        parameters={"markets": ["{{ event.resource['livebase.market'] }}"]},
    )
