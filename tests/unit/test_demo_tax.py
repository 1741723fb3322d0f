"""The demo's landed-price line (livebase_local/commands/demo_tax.py) reads what the orders consumer stored."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from livebase.live.events import OrderLine, OrderPlaced
from livebase.stores.order_table import OrderRecord, order_model, order_record
from livebase_local.commands.demo_tax import landed_price_summary

MODEL = order_model("demo-orders", "eu-central-1")


def stored(order_id: str, destination: str | None, landed: str | None, status: str = "placed") -> OrderRecord:
    placed = OrderPlaced(
        event_id=f"evt-{order_id}", type="order_placed", market="eu", room_id="eu-room-1", session_id="s-1",
        ts=datetime(2026, 12, 7, tzinfo=UTC), viewer_id="v_" + "a1" * 8, order_id=order_id, currency="EUR",
        lines=(OrderLine(sku="SKU-A1", quantity=1, unit_price=Decimal("19.90")),),
    )  # fmt: skip
    record = order_record(MODEL, placed, status)
    if landed:
        record.net_total, record.tax_total, record.duty_total, record.landed_total = "19.90", "4.35", "3.00", landed
        record.tax_rule, record.destination = "eu-ioss-2026", destination
    else:
        record.reason = f"destination: market eu has no tax rule for {destination}"
    return record


def test_the_line_prefers_an_order_shipped_abroad_and_counts_the_refused() -> None:
    orders = [stored("ord-001", "DE", "27.25"), stored("ord-002", "DE", "27.25"), stored("ord-003", "FR", "27.48"),
              stored("ord-004", "JP", None, status="rejected")]  # fmt: skip
    assert landed_price_summary(orders) == (
        "landed price: ord-003 to FR: 27.48 EUR = 19.90 net + 4.35 tax + 3.00 duty (rule eu-ioss-2026); "
        "3 orders taxed; 1 refused for their destination"
    )
    assert landed_price_summary([]) == "landed price: no order taxed"
