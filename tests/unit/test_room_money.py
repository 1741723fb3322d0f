"""A room's money is what the orders consumer decided (issue 28): ingest's items count orders, the
orders consumer's one item per accepted order carries Livebase's total and what was refunded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from livebase.commerce.order_state import open_order
from livebase.live.events import OrderLine, OrderPlaced
from livebase.live.room_metrics import aggregate, to_items
from livebase.live.room_minutes import fold_items
from livebase.markets.config import load_markets
from livebase.stores.room_orders import room_order_item

SEA = load_markets()["sea"]
T0 = datetime(2026, 12, 3, 10, 0, 30, tzinfo=UTC)


def _placed(order_id: str, price: str) -> OrderPlaced:
    return OrderPlaced(
        event_id=f"evt-{order_id}", type="order_placed", market="sea", room_id="room-1", session_id="s-1", ts=T0,
        viewer_id="v_00112233445566778899", order_id=order_id, currency="SGD",
        lines=(OrderLine(sku="SKU-A1", quantity=2, unit_price=Decimal(price)),),
    )  # fmt: skip


def test_gmv_counts_only_accepted_orders_at_livebases_price_and_refunds_as_applied() -> None:
    cheap, refused = _placed("ord-room-1", "0.01"), _placed("ord-room-2", "0.01")
    ingest = to_items(aggregate(SEA, "shard-0", [("1", cheap), ("2", refused)]))
    accepted = open_order(cheap, {"SKU-A1": Decimal("19.90")})
    refunded = accepted.model_copy(
        update={"version": 2, "lines": (accepted.lines[0].model_copy(update={"refunded": Decimal("19.90")}),)}
    )
    items = [*ingest, room_order_item(accepted), room_order_item(refunded)]
    [minute] = fold_items(items)["room-1"]
    assert (minute.orders, minute.accepted_orders) == (2, 1)  # two seen, one accepted
    assert minute.gmv == Decimal("39.80")  # Livebase's price, once, though two versions were read
    assert minute.refund_amount == Decimal("19.90")
    item = room_order_item(accepted)
    assert (
        item["sk"].startswith("MIN#2026-12-03T10:00Z#PART#ORDER#")
        and item["minute"] == (T0 - timedelta(seconds=30)).isoformat()
    )
