"""Stock after the reservation (issue 28), on moto: shipment consumes, a consumed reservation is never
released, returns restock once per receipt, purchase limits inside the reservation's transaction, a
known order id with other content is a conflict, and an undone alert settle crosses again."""

from __future__ import annotations

import time
from typing import Any

import pytest

from livebase.commerce.conflicts import order_fingerprint
from livebase.commerce.inventory import LineRequest, Outcome, ReservationStatus, StockItem, StockKey
from livebase.commerce.inventory.requests import LimitCounter
from livebase.commerce.limits import PurchaseLimit, limit_key
from livebase.stores.inventory import InventoryStore
from tests.support.orders import NOW, placed
from tests.support.tables import string_keyed_table

W = "WH-SEA-1"
VIEWER = "v_00112233445566778899"


@pytest.fixture
def store(aws: Any) -> InventoryStore:
    return InventoryStore(aws, string_keyed_table(aws, "inventory", "sku", "warehouse"), sleep=lambda _: None)


def _levels(store: InventoryStore, sku: str) -> tuple[int, int]:
    item = store.get(sku, W)
    assert item is not None
    return item.available, item.reserved


def _limit(sku: str, quantity: int, units: int = 5) -> LimitCounter:
    expires = int(time.time()) + 86400
    return LimitCounter(limit_key("s", sku, VIEWER), sku, quantity, PurchaseLimit(units, "market"), expires)


def test_shipment_consumes_once_and_a_consumed_reservation_is_never_released(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=10))
    store.reserve("o-1", "evt-00000001", [LineRequest("SKU-A1", W, 3)])
    shipped = store.consume("o-1", "shipment_update:o-1-shipped")
    again = store.consume("o-1", "shipment_update:o-1-delivered")  # delivered implies it: still once
    assert (shipped.outcome, shipped.status, again.outcome) == (Outcome.APPLIED, ReservationStatus.CONSUMED,
                                                                 Outcome.DUPLICATE)  # fmt: skip
    assert _levels(store, "SKU-A1") == (7, 0)  # on hand 10 -> 7, nothing back on sale
    late_cancel = store.release("o-1", "evt-00000002", "customer_request")
    assert late_cancel.outcome is Outcome.DUPLICATE and _levels(store, "SKU-A1") == (7, 0)


def test_a_cancel_releases_and_a_later_shipment_consumes_nothing(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=10))
    store.reserve("o-2", "evt-00000003", [LineRequest("SKU-A1", W, 4)])
    assert store.release("o-2", "evt-00000004", "customer_request").outcome is Outcome.APPLIED
    assert store.consume("o-2", "shipment_update:x").outcome is Outcome.DUPLICATE
    assert _levels(store, "SKU-A1") == (10, 0)


def test_a_return_restocks_once_per_receipt(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=5))
    lines = [LineRequest("SKU-A1", W, 1), LineRequest("SKU-A1", W, 1)]
    first = store.restock("o-3", "return_received:rma-1", lines)
    again = store.restock("o-3", "return_received:rma-1", lines)
    other = store.restock("o-3", "return_received:rma-2", [LineRequest("SKU-A1", W, 1)])
    assert (first.outcome, again.outcome, other.outcome) == (Outcome.APPLIED, Outcome.DUPLICATE, Outcome.APPLIED)
    assert first.touched == (StockKey("SKU-A1", W),)
    assert _levels(store, "SKU-A1") == (8, 0)
    untracked = store.restock("o-3", "return_received:rma-3", [LineRequest("SKU-GONE", W, 1)])
    assert untracked.outcome is Outcome.REJECTED and "SKU-GONE" in untracked.reason


def test_the_purchase_limit_holds_inside_the_reservation_and_names_itself(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=100))
    assert store.reserve("o-4", "evt-00000005", [LineRequest("SKU-A1", W, 3)], limits=[_limit("SKU-A1", 3)]).outcome \
        is Outcome.APPLIED  # fmt: skip
    refused = store.reserve("o-5", "evt-00000006", [LineRequest("SKU-A1", W, 3)], limits=[_limit("SKU-A1", 3)])
    assert refused.outcome is Outcome.REJECTED
    assert (
        refused.reason
        == "SKU-A1: 3 bought in this session + 3 asked exceeds the limit of 5 per viewer (from the market)"
    )
    assert _levels(store, "SKU-A1") == (97, 3)  # nothing of the refused order was reserved
    too_many = store.reserve("o-6", "evt-00000007", [LineRequest("SKU-A1", W, 6)], limits=[_limit("SKU-A1", 6)])
    assert too_many.outcome is Outcome.REJECTED and "0 bought" in too_many.reason
    # a cancel gives the units back to the viewer's limit, in the release's transaction
    store.release("o-4", "evt-00000008", "customer_request", limit_owner=("s", VIEWER))
    assert store.reserve("o-7", "evt-00000009", [LineRequest("SKU-A1", W, 5)], limits=[_limit("SKU-A1", 5)]).outcome \
        is Outcome.APPLIED  # fmt: skip
    assert _levels(store, "SKU-A1") == (95, 5)


def test_a_known_order_id_with_other_content_is_a_conflict_every_time(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=10))
    first = placed("ord-0008", NOW, ("SKU-A1", 2, "9.90"))
    other = placed("ord-0008", NOW, ("SKU-A1", 5, "0.01"))
    lines = [LineRequest("SKU-A1", W, 2)]
    store.reserve("ord-0008", "evt-00000010", lines, fingerprint=order_fingerprint(first))
    same = store.reserve("ord-0008", "evt-00000011", lines, fingerprint=order_fingerprint(first))
    assert same.outcome is Outcome.DUPLICATE and not same.conflict
    for _ in range(2):
        refused = store.reserve(
            "ord-0008", "evt-00000012", [LineRequest("SKU-A1", W, 5)], fingerprint=order_fingerprint(other)
        )
        assert refused.outcome is Outcome.REJECTED
        assert (
            refused.conflict
            == "order_id: ord-0008 is known with other content (lines differ); a second order is refused"
        )
    assert _levels(store, "SKU-A1") == (8, 2)
    rejected_first = store.reject("ord-0009", "evt-00000013", "lines[0].unit_price: refused", order_fingerprint(first))
    assert rejected_first.outcome is Outcome.REJECTED
    assert store.reject("ord-0009", "evt-00000014", "again", order_fingerprint(other)).conflict


def test_an_undone_settle_crosses_and_announces_again(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=3))
    store.reserve("o-10", "evt-00000015", [LineRequest("SKU-A1", W, 3)])
    signal = store.settle_alert(StockKey("SKU-A1", W), default_low_mark=5)
    assert signal is not None and signal.kind == "stock.out"
    assert store.settle_alert(StockKey("SKU-A1", W), default_low_mark=5) is None  # settled: silent
    assert store.unsettle_alert(signal)
    again = store.settle_alert(StockKey("SKU-A1", W), default_low_mark=5)
    assert again is not None and again.kind == "stock.out"
