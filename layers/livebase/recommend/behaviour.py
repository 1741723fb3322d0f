"""A viewer's behaviour in the room as weighted interactions with products (pure).

Three signals, strongest last: watching a product while it is on air (the viewer was in the room
during its ``product_shown`` segment, weighted by the minutes watched), carting it, ordering it.
Only pseudonymous viewer keys appear; nothing here leaves the market's region.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

WATCH_PER_MINUTE = 0.006  # a minute on air with the product; capped per segment (weak: co-shown is not co-liked)
WATCH_CAP = 0.06
CART = 1.0
ORDER = 3.0


@dataclass(frozen=True, slots=True)
class Interaction:
    viewer: str
    sku: str
    weight: float
    at: datetime  # UTC


def _ts(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def from_events(events: Iterable[Mapping[str, Any]]) -> list[Interaction]:
    """Interactions from live events (dicts of the live-event contract) of one or more days."""
    segments: dict[str, list[tuple[float, float, str]]] = defaultdict(list)  # room -> (from, until, sku)
    joined: dict[tuple[str, str], float] = {}
    stays: list[tuple[str, str, float, float]] = []  # (room, viewer, from, until)
    found: list[Interaction] = []
    for event in events:
        kind, viewer = event["type"], event["viewer_id"]
        if kind == "product_shown":
            start, end = _ts(event["shown_from"]).timestamp(), _ts(event["shown_until"]).timestamp()
            segments[event["room_id"]].append((start, end, event["sku"]))
        elif kind == "viewer_joined":
            joined[(event["room_id"], viewer)] = _ts(event["ts"]).timestamp()
        elif kind == "viewer_left":
            start_ts = joined.pop((event["room_id"], viewer), None)
            if start_ts is not None:
                stays.append((event["room_id"], viewer, start_ts, _ts(event["ts"]).timestamp()))
        elif kind == "add_to_cart":
            found.append(Interaction(viewer, event["sku"], CART, _ts(event["ts"])))
        elif kind == "order_placed":
            found.extend(Interaction(viewer, line["sku"], ORDER, _ts(event["ts"])) for line in event["lines"])
    for room, viewer, start_ts, end_ts in stays:
        for shown_from, shown_until, sku in segments.get(room, ()):
            overlap = min(end_ts, shown_until) - max(start_ts, shown_from)
            if overlap >= 60:
                weight = min(WATCH_CAP, WATCH_PER_MINUTE * overlap / 60)
                found.append(Interaction(viewer, sku, weight, datetime.fromtimestamp(end_ts, UTC)))
    return found


def from_orders(orders: Iterable[Any]) -> list[Interaction]:
    """Interactions from the market's stored orders (``OrderRecord``: viewer_id, placed_at, lines);
    an erased buyer's orders (no pseudonymous key left) teach nothing about anyone."""
    return [
        Interaction(str(order.viewer_id), str(line.sku), ORDER, _ts(order.placed_at))
        for order in orders
        if str(order.viewer_id).startswith("v_")
        for line in order.lines
    ]
