"""One order id, one content (livebase.commerce.conflicts): the fingerprint ignores event id, time and
line order, and a conflict names the parts that differ, the same for every consumer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from livebase.commerce.conflicts import (
    PARTS,
    OrderContent,
    conflict_reason,
    differing_parts,
    order_fingerprint,
)
from livebase.live.events import OrderLine, OrderPlaced

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
VIEWER = "v_" + "a1" * 8
LINES = (OrderLine(sku="SKU-A1", quantity=2, unit_price=Decimal("19.90")),
         OrderLine(sku="SKU-B2", quantity=1, unit_price=Decimal("5")))  # fmt: skip


def placed(**changes: Any) -> OrderPlaced:
    fields: dict[str, Any] = {
        "event_id": "evt-order-0001", "type": "order_placed", "market": "eu", "room_id": "eu-room-1",
        "session_id": "eu-room-1-20261203", "ts": T0, "viewer_id": VIEWER, "order_id": "ord-0001",
        "currency": "EUR", "lines": LINES,
    }  # fmt: skip
    return OrderPlaced.model_validate({**fields, **changes})


def test_a_redelivery_or_retry_is_the_same_order() -> None:
    first = order_fingerprint(placed())
    retry = placed(event_id="evt-order-0002", ts=T0 + timedelta(seconds=3), lines=LINES[::-1])
    assert order_fingerprint(retry) == first
    assert conflict_reason("ord-0001", first, order_fingerprint(retry)) == ""
    same_price = placed(lines=(LINES[0].model_copy(update={"unit_price": Decimal("19.9000")}), LINES[1]))
    assert order_fingerprint(same_price) == first


def test_other_content_is_a_conflict_naming_what_differs_and_no_values() -> None:
    known = order_fingerprint(placed())
    other = placed(lines=LINES[:1], viewer_id="v_" + "b2" * 8, currency="USD")
    reason = conflict_reason("ord-0001", known, order_fingerprint(other))
    assert reason == (
        "order_id: ord-0001 is known with other content (lines, viewer, currency differ); a second order is refused"
    )
    assert "b2b2" not in reason and "SKU" not in reason
    assert differing_parts(known, order_fingerprint(placed(room_id="eu-room-2"))) == ("room",)
    assert differing_parts(known, order_fingerprint(placed(session_id="eu-room-1-20261204"))) == ("session",)


def test_stored_fields_give_the_same_fingerprint_as_the_event() -> None:
    stored = OrderContent.from_fields(
        [("SKU-B2", 1, "5.00"), ("SKU-A1", 2, "19.90")], VIEWER, "eu-room-1", "eu-room-1-20261203", "EUR"
    )
    assert stored.fingerprint() == order_fingerprint(placed())


def test_an_unreadable_fingerprint_differs_in_every_part() -> None:
    assert differing_parts("v0:abc", order_fingerprint(placed())) == PARTS
    assert differing_parts(order_fingerprint(placed()), "") == PARTS


@given(st.lists(st.tuples(st.sampled_from(["SKU-A1", "SKU-B2", "SKU-C3"]), st.integers(1, 5)), min_size=1, max_size=6))
def test_any_change_of_lines_is_seen(lines: list[tuple[str, int]]) -> None:
    order = placed(lines=tuple(OrderLine(sku=s, quantity=q, unit_price=Decimal(1)) for s, q in lines))
    more = placed(lines=(*order.lines, OrderLine(sku="SKU-A1", quantity=1, unit_price=Decimal(1))))
    assert differing_parts(order_fingerprint(order), order_fingerprint(more)) == ("lines",)
