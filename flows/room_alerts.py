"""Room alerts as Prefect events, and the ``room-alert`` flow an automation runs for each one.

:func:`forward_room_alert` turns a room alert from a market bus (``source = livebase.rooms``,
one of ``livebase.signals.rooms.DETAIL_TYPES``) into the Prefect event ``livebase.room.alert``, as
``flows.triggers.forward_stock_signal`` does for ``stock.low``: the stack's room-alert rule also
targets the market's room-alert-signals queue, which :mod:`flows.signal_bridge` drains through it
(locally and beside a cloud worker); a market with a Prefect API gets a rule POSTing the same
shape to Prefect's ``/events`` (``infra_cdk/components/signals.py``). Only the alert's own
fields cross: market, room, kind, minute and aggregate numbers; never a viewer (and the event is
emitted through the residency guard, ``flows.triggers.emit_guarded``).

The automation that reacts to it is ``flows/automations/room-alert.yaml`` (documented there);
:func:`apply_room_alert_automation` creates or updates it by name, as ``./livebase up`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from prefect import flow
from prefect.events import emit_event
from pydantic import Field

from flows.artifacts import number, publish_markdown
from flows.markets import MarketId
from flows.triggers import PrefectEvent, forward_signal
from livebase.privacy.guard import Keeper
from livebase.signals.rooms import DETAIL_TYPES, AlertKind, RoomAlert

PREFECT_ROOM_ALERT = "livebase.room.alert"
ROOM_RESOURCE_PREFIX = "livebase.room."
AUTOMATION_FILE = Path(__file__).parent / "automations" / "room-alert.yaml"

Emitter = Callable[..., Any]
Kind = Literal["conversion_drop", "sentiment_spike", "viewer_drop", "edge_overload"]

WHAT_TO_CHECK = {
    AlertKind.CONVERSION_DROP: "viewers stay but stop buying: price, stock shown, checkout errors, the host's pitch",
    AlertKind.SENTIMENT_SPIKE: "negative comments in one language: read the chat, moderate, brief the host",
    AlertKind.VIEWER_DROP: "viewers leaving while on air: stream health, edge errors, the segment on screen",
    AlertKind.EDGE_OVERLOAD: "an edge node is hot: shift streams to the recommended neighbour",
}


def room_alert_resource(market: str, room_id: str, kind: str) -> dict[str, str]:
    return {
        "prefect.resource.id": f"{ROOM_RESOURCE_PREFIX}{market}.{room_id}",
        "prefect.resource.name": f"room {room_id} ({market})",
        "livebase.market": market,
        "livebase.room": room_id,
        "livebase.alert.kind": kind,
    }


def forward_room_alert(event: Mapping[str, Any], emit: Emitter = emit_event, keep: Keeper | None = None) -> Any | None:
    """Emit ``livebase.room.alert`` for a room alert as the bus delivers it; ignore any other signal."""
    return forward_signal(event, RoomAlert, room_alert_event, emit, keep)


def room_alert_event(alert: RoomAlert) -> PrefectEvent:
    """``livebase.room.alert`` for the alert's room: the alert's own fields (anything else on the
    delivered event stayed behind at the parse)."""
    related = [{"prefect.resource.id": f"livebase.market.{alert.market}", "prefect.resource.role": "market"}]
    resource = room_alert_resource(alert.market, alert.room_id, str(alert.kind))
    return alert.market, {"event": PREFECT_ROOM_ALERT, "resource": resource, "related": related,
                          "payload": alert.detail()}  # fmt: skip


@flow(name="room-alert", log_prints=True)
def room_alert(
    market: MarketId,
    room_id: Annotated[str, Field(min_length=1, max_length=128, description="the live room")],
    kind: Kind,
    evidence: Annotated[dict[str, Any], Field(description="the alert's detail: the numbers behind it")],
) -> str:
    """Show a room alert to ops: a markdown artifact per market with the numbers and what to check."""
    rows = "\n".join(f"| {k} | {number(v) if isinstance(v, float) else v} |"
                     for k, v in sorted(evidence.items()) if k not in {"market", "room_id"})  # fmt: skip
    markdown = (
        f"## {DETAIL_TYPES[AlertKind(kind)]}: room `{room_id}` ({market})\n\n"
        f"**Check:** {WHAT_TO_CHECK[AlertKind(kind)]}\n\n| field | value |\n|---|---|\n{rows}\n"
    )
    description = f"{kind} in {room_id} ({market}): {WHAT_TO_CHECK[AlertKind(kind)]}"
    publish_markdown(market, f"room-alert-{market}", markdown, description=description)
    print(f"{market}: {kind} in room {room_id} at {evidence.get('minute', '?')}")
    return markdown


def room_alert_automation(deployment_id: Any, path: Path = AUTOMATION_FILE) -> Any:
    """The automation of ``path`` as Prefect's ``AutomationCore``, its action bound to ``deployment_id``."""
    from prefect.events.schemas.automations import AutomationCore

    spec = automation_spec(path)
    for action in spec["actions"]:
        if action.pop("deployment", None) is not None:
            action["deployment_id"] = str(deployment_id)
    return AutomationCore.model_validate(spec)


def automation_spec(path: Path = AUTOMATION_FILE) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(path.read_text())
    return spec


def apply_room_alert_automation(client: Any, path: Path = AUTOMATION_FILE) -> Any:
    """Create the automation, or update the one of that name: idempotent. Returns its id.

    Needs its deployment registered (``room-alert/room-alert``); ``client`` is a sync client.
    """
    [target] = [a["deployment"] for a in automation_spec(path)["actions"] if a.get("deployment")]
    automation = room_alert_automation(client.read_deployment_by_name(target).id, path)
    existing = client.read_automations_by_name(automation.name)
    if not existing:
        return client.create_automation(automation)
    first, *duplicates = existing
    client.update_automation(first.id, automation)
    for extra in duplicates:
        client.delete_automation(extra.id)
    return first.id
