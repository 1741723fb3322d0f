"""The stock reconciliation's arithmetic (livebase.commerce.reconciliation): a clean warehouse, and drift
with the orders that explain it, named by id only."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from livebase.aws import to_attributes
from livebase.commerce.inventory import StockItem
from livebase.commerce.order_state import LineState, OrderState, Stage
from livebase.commerce.reconciliation import Holding, Receipt, confirmed, reconcile
from livebase.stores.stock_books import StockBooks, add_item

WAREHOUSE = "WH-EU-1"
VIEWER = "v_0123456789abcdef"


def order(order_id: str, sku: str, quantity: int, **changes: object) -> OrderState:
    restocked = int(changes.pop("restocked", 0))  # type: ignore[call-overload]
    line = LineState(sku=sku, quantity=quantity, unit_price=Decimal("19.90"), restocked=restocked)
    state = OrderState(
        order_id=order_id, market="eu", currency="EUR", viewer_id=VIEWER, room_id="room-1", session_id="s-1",
        placed_at=datetime(2026, 12, 3, 18, tzinfo=UTC), lines=(line,),
    )  # fmt: skip
    return state.model_copy(update=changes)


def item(sku: str, available: int, reserved: int = 0, presale_reserved: int = 0) -> StockItem:
    return StockItem(sku, WAREHOUSE, "eu", available, reserved, presale_reserved=presale_reserved)


RECEIPTS = [
    Receipt("opening-eu-SKU-A", "SKU-A", 10),
    Receipt("GR-1:SKU-A", "SKU-A", 5),
    Receipt("opening-eu-SKU-B", "SKU-B", 4),
]
ORDERS = [
    order("o-shipped", "SKU-A", 3, stage=Stage.SHIPPED),
    order("o-placed", "SKU-A", 2),
    order("o-cancelled", "SKU-A", 1, cancelled=True),
    order("o-returned", "SKU-A", 2, stage=Stage.DELIVERED, restocked=1),
    order("o-rejected", "SKU-A", 9, rejection="lines[0].quantity: 9 wanted, 2 sellable"),
    order("o-presold", "SKU-C", 4),
    order("o-b", "SKU-B", 1, stage=Stage.HANDED),
]
HOLDINGS = [
    Holding("o-placed", "SKU-A", spot=2),
    Holding("o-presold", "SKU-C", presale=4),
    Holding("o-b", "SKU-B", 1),
    Holding("o-returned", "SKU-A", restocked=1),  # its restock record
]
# SKU-A on hand: opening 10 + receipts 5 - shipped (3 + 2) + restocked 1 = 11, 2 of them reserved.
CLEAN = {"SKU-A": item("SKU-A", 9, 2), "SKU-B": item("SKU-B", 3, 1), "SKU-C": item("SKU-C", 0, presale_reserved=4)}


def test_a_warehouse_whose_stock_follows_its_books_reconciles() -> None:
    result = reconcile("eu", WAREHOUSE, CLEAN, RECEIPTS, HOLDINGS, ORDERS)
    assert result.decision == "stock reconciles" and not result.drifting
    books = {b.sku: b for b in result.skus}
    a = books["SKU-A"]
    assert (a.opening, a.receipts, a.shipped, a.restocked, a.expected_on_hand) == (10, 5, 5, 1, 11)
    assert (a.open_reserved, books["SKU-C"].open_presale) == (2, 4)
    assert [row["verdict"] for row in result.rows()] == ["reconciles"] * 3
    assert result.markdown().startswith("## eu (WH-EU-1): stock reconciles")


def test_drift_is_reported_with_the_orders_that_explain_it() -> None:
    # o-shipped's shipment consumed nothing (its reservation still holds 3: on hand 3 over); o-placed's
    # reservation was released (2 back to available) but its state was not written; SKU-B lost a unit.
    holdings = [Holding("o-shipped", "SKU-A", spot=3), *HOLDINGS[1:]]
    stock = {**CLEAN, "SKU-A": item("SKU-A", 9 + 2, 3), "SKU-B": item("SKU-B", 2, 1)}
    result = reconcile("eu", WAREHOUSE, stock, RECEIPTS, holdings, ORDERS)
    assert result.decision == "2 SKUs drift"
    a, b = result.drifting
    assert (a.sku, a.on_hand_drift, a.reserved_drift) == ("SKU-A", 3, 0)
    assert a.order_ids == ("o-shipped", "o-placed")
    assert (b.sku, b.on_hand_drift, b.order_ids) == ("SKU-B", -1, ())
    assert [row["verdict"] for row in result.rows()] == ["drift", "drift", "reconciles"]
    text = result.markdown()
    assert text.startswith("## eu (WH-EU-1): 2 SKUs drift")
    assert "`o-shipped`: shipped, so nothing should be reserved; its reservation still holds 3" in text
    assert "`o-placed`: placed, so its 2 unit(s) should be reserved; its reservation holds 0" in text
    assert "SKU-B: on hand 3, books 4" in text and "a change outside the books" in text
    assert VIEWER not in text and VIEWER not in str(result.rows())


def test_restocks_the_stock_records_and_the_state_disagree_on_are_named() -> None:
    holdings = [*HOLDINGS, Holding("o-returned", "SKU-A", restocked=1)]  # a second restock record
    stock = {**CLEAN, "SKU-A": item("SKU-A", 10, 2)}
    result = reconcile("eu", WAREHOUSE, stock, RECEIPTS, holdings, ORDERS)
    [a] = result.drifting
    assert a.on_hand_drift == 1 and a.order_ids == ("o-returned",)
    assert "its state restocked 1 unit(s), its stock records 2" in result.markdown()


def test_a_sku_the_books_move_but_the_warehouse_does_not_track_drifts() -> None:
    result = reconcile("eu", WAREHOUSE, {}, [], [], [order("o-1", "SKU-X", 1)])
    [x] = result.drifting
    assert not x.tracked and "no stock item" in x.said() and x.order_ids == ("o-1",)


def test_a_drift_seen_in_one_of_two_reads_is_in_motion_not_drift() -> None:
    clean = reconcile("eu", WAREHOUSE, CLEAN, RECEIPTS, HOLDINGS, ORDERS)
    moved = reconcile("eu", WAREHOUSE, {**CLEAN, "SKU-B": item("SKU-B", 2, 1)}, RECEIPTS, HOLDINGS, ORDERS)
    assert confirmed(clean, moved).decision == "stock reconciles"
    assert [b.sku for b in confirmed(clean, moved).skus if b.in_motion] == ["SKU-B"]
    assert "In motion between the two reads (not drift): SKU-B" in confirmed(moved, clean).markdown()
    assert confirmed(moved, moved).decision == "1 SKU drifts"


def test_the_inventory_tables_items_are_filed_into_the_books() -> None:
    books = StockBooks(WAREHOUSE)
    items = [
        {**item("SKU-A", 9, 2).to_item()},
        {**item("SKU-A", 1, 0).to_item(), "warehouse": {"S": "WH-NA-1"}},  # another warehouse
        to_attributes({"sku": "RCV#GR-1:SKU-A", "warehouse": "RECORD", "sku_ref": "SKU-A", "warehouse_ref": WAREHOUSE,
                       "quantity": 5, "pooled": 2}),
        to_attributes({"sku": "RES#o-1", "warehouse": "RECORD", "status": "reserved",
                       "lines": [{"sku": "SKU-A", "warehouse": WAREHOUSE, "spot": 2, "presale": 0}]}),
        to_attributes({"sku": "RES#o-2", "warehouse": "RECORD", "status": "consumed",
                       "lines": [{"sku": "SKU-A", "warehouse": WAREHOUSE, "spot": 3, "presale": 0}]}),
        to_attributes({"sku": "RTN#o-2#return_received:rma-1", "warehouse": "RECORD", "order_id": "o-2",
                       "lines": [{"sku": "SKU-A", "warehouse": WAREHOUSE, "quantity": 1}]}),
        to_attributes({"sku": "PRICE#s-1#SKU-A", "warehouse": "ops#2026-12-03T18:00:00+00:00#promotion",
                       "price": "9.00"}),
        to_attributes({"sku": "LIM#s-1#SKU-A#v", "warehouse": "RECORD", "bought": 2}),
    ]  # fmt: skip
    for found in items:
        add_item(books, found)
    assert list(books.stock) == ["SKU-A"] and books.stock["SKU-A"].on_hand == 11
    assert books.receipts == [Receipt("GR-1:SKU-A", "SKU-A", 5, pooled=2)]
    assert books.holdings == [Holding("o-1", "SKU-A", spot=2), Holding("o-2", "SKU-A", restocked=1)]
    assert books.records == 5
