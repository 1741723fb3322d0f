"""Order attribution (optional channel / campaign) through the schema and the store's lifecycle scan."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from livebase.lifecycle.frame import orders_frame
from livebase.live.events import OrderLine, OrderPlaced, parse_event
from livebase.stores.orders import PLACED, OrderStore


def placed(n: int, **attribution: str) -> OrderPlaced:
    return OrderPlaced(
        event_id=f"evt-attr-{n:04d}", type="order_placed", market="eu", room_id="r1", session_id="s1",
        ts=datetime(2026, 11, 20, tzinfo=UTC), viewer_id=f"v_{n:032x}", order_id=f"ord-attr-{n:04d}",
        currency="EUR", lines=(OrderLine(sku="SKU-1", quantity=2, unit_price=Decimal("4.5")),), **attribution,
    )  # fmt: skip


def test_an_order_without_attribution_still_parses_and_one_with_it_is_checked() -> None:
    raw = json.loads(placed(1).model_dump_json(exclude_none=True))
    assert "channel" not in raw and parse_event(json.dumps(raw)).channel is None  # type: ignore[union-attr]
    assert placed(2, channel="campaign", campaign="bf-2026").campaign == "bf-2026"
    with pytest.raises(ValidationError, match="channel"):
        parse_event(json.dumps({**raw, "channel": "billboard"}))
    with pytest.raises(ValidationError, match="campaign"):
        parse_event(json.dumps({**raw, "campaign": "call +44 20 7946 0958"}))


def test_lifecycle_rows_scan_every_segment_with_the_attribution(store: OrderStore) -> None:
    store.save(placed(1), PLACED)
    store.save(placed(2, channel="share_link"), PLACED)
    store.save(placed(3, channel="campaign", campaign="bf-2026"), PLACED)
    rows = [row for segment in range(3) for row in store.lifecycle_rows(segment, 3)]
    assert sorted(r["viewer_id"] for r in rows) == [f"v_{n:032x}" for n in (1, 2, 3)]
    frame = orders_frame(rows)
    assert sorted(frame["channel"].astype(str)) == ["campaign", "room", "share_link"]
    assert frame["total"].sum() == pytest.approx(27.0)
