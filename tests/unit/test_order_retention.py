"""OrderStore: every order carries its expiry (retention) and erasure unlinks the buyer, keeping the sale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from livebase.stores.order_table import ERASED_VIEWER
from livebase.stores.orders import OrderStore
from tests.support.orders import placed

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_saved_orders_expire_after_the_retention(store: OrderStore) -> None:
    store.retention_days = 365
    store.save(placed("ord-r1", NOW, ("SKU-A", 1, "2")), "placed")
    found = store.get("ord-r1")
    assert found is not None and found.expires_at == NOW + timedelta(days=365)
    raw = store.model._get_connection().get_item("ord-r1")["Item"]
    assert raw["expires_at"] == {"N": str(int((NOW + timedelta(days=365)).timestamp()))}  # the TTL attribute


def test_erase_viewer_unlinks_every_order_of_that_viewer_only(store: OrderStore) -> None:
    store.save(placed("ord-e1", NOW, ("SKU-A", 1, "2")), "placed")
    store.save(placed("ord-e2", NOW, ("SKU-B", 2, "3")), "cancelled")
    other = placed("ord-e3", NOW, ("SKU-A", 1, "2")).model_copy(update={"viewer_id": "v_ffeeddccbbaa99887766"})
    store.save(other, "placed")
    assert sorted(store.erase_viewer("v_00112233445566778899")) == ["ord-e1", "ord-e2"]
    assert [o.order_id for o in store.all_orders() if o.viewer_id == "v_00112233445566778899"] == []
    assert {o.order_id: o.viewer_id for o in store.all_orders()} == {
        "ord-e1": ERASED_VIEWER, "ord-e2": ERASED_VIEWER, "ord-e3": "v_ffeeddccbbaa99887766",
    }  # fmt: skip
    assert store.get("ord-e2").status == "cancelled"  # type: ignore[union-attr]  # the sale stays as it was
    assert store.erase_viewer("v_00112233445566778899") == []
