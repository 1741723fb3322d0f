"""Live-room events as the room-metrics tests build them: one room, minute by minute from T0."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from livebase.live.events import AnyLiveEvent, live_event_adapter

T0 = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
SHARD = "shardId-000000000001"


def viewer(n: int) -> str:
    return f"v_{n:032x}"


def event(kind: str, n: int, seconds: float = 0, **fields: Any) -> AnyLiveEvent:
    base = {
        "event_id": f"ev-test-{n:08d}",
        "market": fields.pop("market", "sea"),
        "room_id": "room-1",
        "session_id": "s-1",
        "ts": (T0 + timedelta(seconds=seconds)).isoformat(),
        "viewer_id": viewer(fields.pop("viewer", n)),
        "type": kind,
    }
    return live_event_adapter.validate_python({**base, **fields})


def order(n: int, seconds: float, order_id: str, price: str = "19.90", qty: int = 2, **kw: Any) -> AnyLiveEvent:
    lines = [{"sku": "SKU-LIP-001", "quantity": qty, "unit_price": price}]
    return event("order_placed", n, seconds, order_id=order_id, currency=kw.pop("currency", "SGD"), lines=lines, **kw)


def numbered(events: Iterable[AnyLiveEvent], start: int = 1000) -> list[tuple[str, AnyLiveEvent]]:
    return [(str(start + i), e) for i, e in enumerate(events)]


def mixed_stream() -> list[AnyLiveEvent]:
    """Two minutes of one room: joins, likes, comments, carts, orders, a product, edge stats."""
    out: list[AnyLiveEvent] = []
    for v in range(40):
        out.append(event("viewer_joined", v, v))
        out.append(event("like", 100 + v, 30 + v, viewer=v, count=3))
        lang, text = ("en", "this is a scam") if v % 4 == 0 else ("th", "สวยมาก")
        out.append(event("comment", 200 + v, 40 + v, viewer=v, text=text, language=lang))
    out.append(event("add_to_cart", 300, 70, viewer=1, sku="SKU-LIP-001", quantity=2, unit_price="19.90"))
    out.append(order(301, 80, "ord-000001", viewer=1))
    out.append(order(302, 85, "ord-000002", price="45.00", qty=1, viewer=2))
    out.append(event("viewer_left", 303, 90, viewer=3))
    shown_from, shown_until = T0 + timedelta(seconds=30), T0 + timedelta(seconds=100)
    out.append(
        event(
            "product_shown",
            304,
            30,
            viewer=999,
            sku="SKU-LIP-001",
            shown_from=shown_from.isoformat(),
            shown_until=shown_until.isoformat(),
        )
    )
    for i, cpu in enumerate((0.5, 0.7)):
        out.append(
            event(
                "edge_node_stats",
                400 + i,
                15 * i,
                viewer=998,
                edge_location="SIN",
                viewers_served=100 + i,
                bitrate_kbps=3000.0,
                cpu=cpu,
                error_rate=0.01,
            )
        )
    return sorted(out, key=lambda e: e.ts)
