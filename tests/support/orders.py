"""Orders and purchase orders as the tests build them: a placed order, an open PO of eu's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from livebase.live.events import OrderLine, OrderPlaced
from livebase.stores.purchase_orders import OPEN, PurchaseOrderItem, PurchaseOrderLine

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def placed(order_id: str, ts: datetime, *lines: tuple[str, int, str]) -> OrderPlaced:
    """A sea order of one viewer; each line is (sku, quantity, unit price)."""
    return OrderPlaced(
        event_id=f"evt-{order_id}-0", type="order_placed", market="sea", room_id="r", session_id="s", ts=ts,
        viewer_id="v_00112233445566778899", order_id=order_id, currency="SGD",
        lines=tuple(OrderLine(sku=sku, quantity=q, unit_price=Decimal(p)) for sku, q, p in lines),
    )  # fmt: skip


def po(po_id: str = "PO-eu-SUP-20261203") -> PurchaseOrderItem:
    """An open, announced PO of eu's: 10 x SKU-A1 and 4 x SKU-NEW, due 2026-12-08."""
    return PurchaseOrderItem(
        po_id=po_id, market="eu", supplier="SUP", run_date="2026-12-03", status=OPEN, announced=True,
        created_at="2026-12-03T10:00:00+00:00", flow_run_id="run", currency="EUR", expected_arrival="2026-12-08",
        lines=[PurchaseOrderLine(sku="SKU-A1", quantity=10, unit_cost="2.50"),
               PurchaseOrderLine(sku="SKU-NEW", quantity=4, unit_cost="9.00")],
        total_cost="61.00",
    )  # fmt: skip
