"""Inventory store on moto (in-process): idempotency, presale, releases, crossings, crash + redelivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from livebase.commerce.inventory import (
    STOCK_LOW,
    STOCK_OUT,
    LineRequest,
    LiveContext,
    Outcome,
    ReservationStatus,
    StockItem,
    StockKey,
    apply_event,
    signal_entries,
    stock_signals,
)
from livebase.commerce.inventory.apply import InventoryEvent
from livebase.live.events import OrderCancelled, OrderLine, OrderPlaced, Refund
from livebase.markets.config import load_markets
from livebase.stores.inventory import InventoryStore
from tests.support.tables import string_keyed_table

W = "sea-sin-1"
SEA = load_markets()["sea"]


@pytest.fixture
def client(aws: Any) -> Any:
    """The in-process moto's DynamoDB client, in sea's region."""
    return aws


@pytest.fixture
def table(client: Any) -> str:
    return string_keyed_table(client, "inventory", "sku", "warehouse")


@pytest.fixture
def store(client: Any, table: str) -> InventoryStore:
    return InventoryStore(client, table, sleep=lambda _: None)


def _levels(store: InventoryStore, sku: str) -> tuple[int, int, int, int]:
    item = store.get(sku, W)
    assert item is not None
    return item.available, item.reserved, item.presale_left, item.presale_reserved


_BASE = {
    "market": "sea", "room_id": "room-1", "session_id": "s-1",
    "ts": datetime(2026, 11, 25, 12, tzinfo=UTC), "viewer_id": "v_" + "ab" * 16,
}  # fmt: skip


def _placed(n: int, sku: str, quantity: int) -> OrderPlaced:
    line = OrderLine(sku=sku, quantity=quantity, unit_price="9.90")  # type: ignore[arg-type]
    return OrderPlaced(
        type="order_placed", event_id=f"evt-place-{n:04d}", order_id=f"order-{n:04d}", currency="SGD",
        lines=(line,), **_BASE,
    )  # fmt: skip


def _cancelled(n: int) -> OrderCancelled:
    return OrderCancelled(type="order_cancelled", event_id=f"evt-cancel-{n:04d}", order_id=f"order-{n:04d}", **_BASE)


def test_reserve_is_once_per_order(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=10))
    first = store.reserve("order-1", "evt-00000001", [LineRequest("SKU-A1", W, 4)])
    again = store.reserve("order-1", "evt-00000002", [LineRequest("SKU-A1", W, 4)])  # redelivered
    assert (first.outcome, again.outcome) == (Outcome.APPLIED, Outcome.DUPLICATE)
    assert _levels(store, "SKU-A1") == (6, 4, 0, 0)


def test_an_order_reserves_all_lines_or_none(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=10))
    store.create(StockItem("SKU-B1", W, "sea", available=1))
    lines = [LineRequest("SKU-A1", W, 2), LineRequest("SKU-B1", W, 2)]
    result = store.reserve("order-2", "evt-00000003", lines)
    assert result.outcome is Outcome.REJECTED and "SKU-B1" in result.reason
    assert _levels(store, "SKU-A1") == (10, 0, 0, 0) and _levels(store, "SKU-B1") == (1, 0, 0, 0)
    # the decision sticks: a redelivery after a restock is still the same rejected order
    store.receive("SKU-B1", W, 5, "rcv-1")
    assert store.reserve("order-2", "evt-00000004", lines).outcome is Outcome.REJECTED
    record = store.reservation("order-2")
    assert record is not None and (record["status"], record["event_id"]) == ("rejected", "evt-00000003")
    assert _levels(store, "SKU-B1") == (6, 0, 0, 0)


def test_two_lines_of_one_sku_are_one_update(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=5))
    result = store.reserve("order-3", "evt-00000005", [LineRequest("SKU-A1", W, 2), LineRequest("SKU-A1", W, 3)])
    assert result.outcome is Outcome.APPLIED
    assert _levels(store, "SKU-A1") == (0, 5, 0, 0)


def test_unknown_sku_is_rejected(store: InventoryStore) -> None:
    result = store.reserve("order-4", "evt-00000006", [LineRequest("SKU-NOPE", W, 1)])
    assert result.outcome is Outcome.REJECTED and "not stocked" in result.reason


def test_cancel_and_refund_release_once(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=10))
    store.reserve("order-5", "evt-00000007", [LineRequest("SKU-A1", W, 3)])
    released = store.release("order-5", "evt-00000008", "customer_request")
    refund_after_cancel = store.release("order-5", "evt-00000009", "refund")
    assert (released.outcome, refund_after_cancel.outcome) == (Outcome.APPLIED, Outcome.DUPLICATE)
    assert _levels(store, "SKU-A1") == (10, 0, 0, 0)


def test_cancel_before_the_order_arrives_blocks_the_order(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=10))
    early = store.release("order-6", "evt-00000010", "customer_request")
    late_order = store.reserve("order-6", "evt-00000011", [LineRequest("SKU-A1", W, 3)])
    assert early.outcome is Outcome.NOOP
    assert (late_order.outcome, late_order.status) == (Outcome.DUPLICATE, ReservationStatus.RELEASED)
    assert _levels(store, "SKU-A1") == (10, 0, 0, 0)


def test_presale_and_spot_hybrid(store: InventoryStore) -> None:
    store.create(StockItem("SKU-PRE", W, "sea", available=3))
    item = store.open_presale("SKU-PRE", W, cap=5, expected_arrival="2026-12-10")
    assert (item.presale_cap, item.presale_left, item.expected_arrival) == (5, 5, "2026-12-10")
    split = store.reserve("order-7", "evt-00000012", [LineRequest("SKU-PRE", W, 6)])
    assert [(a.spot, a.presale) for a in split.allocations] == [(3, 3)]
    assert _levels(store, "SKU-PRE") == (0, 3, 2, 3)
    assert store.reserve("order-8", "evt-00000013", [LineRequest("SKU-PRE", W, 3)]).outcome is Outcome.REJECTED
    # shrinking the cap counts what is already sold against it
    assert store.open_presale("SKU-PRE", W, cap=4, expected_arrival="2026-12-12").presale_left == 1
    with pytest.raises(ValueError, match="already sold"):
        store.open_presale("SKU-PRE", W, cap=2, expected_arrival="2026-12-12")
    store.release("order-7", "evt-00000014", "customer_request")
    assert _levels(store, "SKU-PRE") == (3, 0, 4, 0)


def test_receipts_are_once_per_receipt_id(store: InventoryStore) -> None:
    store.create(StockItem("SKU-A1", W, "sea", available=0))
    assert store.receive("SKU-A1", W, 24, "po-77-rcv-1").outcome is Outcome.APPLIED
    assert store.receive("SKU-A1", W, 24, "po-77-rcv-1").outcome is Outcome.DUPLICATE
    assert store.receive("SKU-ZZZ", W, 5, "po-78-rcv-1").outcome is Outcome.REJECTED
    assert _levels(store, "SKU-A1") == (24, 0, 0, 0)
    assert store.create(StockItem("SKU-A1", W, "sea", available=99)) is False  # no silent overwrite


def test_marks_are_crossed_once_and_rearmed_by_a_restock(store: InventoryStore) -> None:
    store.create(StockItem("SKU-CUE", W, "sea", available=8, low_mark=5))
    live = LiveContext({"SKU-CUE": "room-9"})
    kinds: list[str] = []
    for n in range(8):
        result = apply_event(store, _placed(n, "SKU-CUE", 1), lambda _m: W)
        kinds += [f"{n}:{s.kind}" for s in stock_signals(store, result.touched, SEA, live)]
    assert kinds == ["2:stock.low", "7:stock.out"]  # at 5 left, then at 0; silence in between
    store.receive("SKU-CUE", W, 20, "rcv-cue-1")
    assert stock_signals(store, [StockKey("SKU-CUE", W)], SEA, live) == []  # back above: re-armed
    result = apply_event(store, _placed(100, "SKU-CUE", 16), lambda _m: W)
    signals = stock_signals(store, result.touched, SEA, live)
    assert [s.kind for s in signals] == [STOCK_LOW]
    entry = signal_entries(signals, SEA, "bus-sea")[0]
    assert '"Only 4 left!"' in entry["Detail"] and '"room_id": "room-9"' in entry["Detail"]


def test_low_is_for_live_rooms_out_is_for_everyone(store: InventoryStore) -> None:
    store.create(StockItem("SKU-OFF", W, "sea", available=3))  # market low mark: 100
    first = apply_event(store, _placed(1, "SKU-OFF", 1), lambda _m: W)
    assert stock_signals(store, first.touched, SEA, LiveContext({})) == []  # not on screen anywhere
    last = apply_event(store, _placed(2, "SKU-OFF", 2), lambda _m: W)
    assert [s.kind for s in stock_signals(store, last.touched, SEA, None)] == [STOCK_OUT]


class _CrashingClient:
    """Proxies a DynamoDB client; the Lambda 'dies' on the n-th transaction, before or after it commits."""

    def __init__(self, client: Any, crash_on: int, after_commit: bool) -> None:
        self._client = client
        self._crash_on = crash_on
        self._after_commit = after_commit
        self.transactions = 0

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.transactions += 1
        if self.transactions == self._crash_on:
            if self._after_commit:
                self._client.transact_write_items(**kwargs)
            raise SystemExit("handler crashed mid-batch")
        return self._client.transact_write_items(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _batch() -> list[InventoryEvent]:
    events: list[InventoryEvent] = [_placed(n, "SKU-BATCH", 1 + n % 3) for n in range(12)]
    events.insert(5, _cancelled(1))
    events.insert(9, Refund(type="refund", event_id="evt-refund-0003", order_id="order-0003", amount="1",
                            currency="SGD", **_BASE))  # type: ignore[arg-type]  # fmt: skip
    return events


@pytest.mark.parametrize("after_commit", [False, True], ids=["crash-before-commit", "crash-after-commit"])
@pytest.mark.parametrize("crash_on", [1, 6, 13])
def test_crash_mid_batch_then_redelivery_leaves_stock_exact(
    client: Any, table: str, crash_on: int, after_commit: bool
) -> None:
    InventoryStore(client, table).create(StockItem("SKU-BATCH", W, "sea", available=1000))
    crashing = InventoryStore(_CrashingClient(client, crash_on, after_commit), table, sleep=lambda _: None)
    with pytest.raises(SystemExit):
        for event in _batch():
            apply_event(crashing, event, lambda _m: W)
    healthy = InventoryStore(client, table, sleep=lambda _: None)
    for event in _batch():  # the whole batch comes again (Kinesis redelivers from the checkpoint)
        apply_event(healthy, event, lambda _m: W)
    for event in _batch():  # and once more for good measure
        apply_event(healthy, event, lambda _m: W)
    kept = sum(1 + n % 3 for n in range(12) if n != 1)  # order 1 was cancelled; order 3's refund moves no stock
    assert _levels(healthy, "SKU-BATCH") == (1000 - kept, kept, 0, 0)
