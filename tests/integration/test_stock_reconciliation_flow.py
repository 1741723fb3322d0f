"""The stock-reconciliation flow on the local AWS (a moto server) under Prefect's harness: a day of orders
through the real order path (placed, shipped, cancelled, returned restocked and written off, refunded,
rejected; each message twice) plus a goods receipt reconciles; then a shipment whose stock moved but
whose state was never written, and a unit taken off the shelf outside the books, are reported as
drift, the first with the order that explains it, ids only, through the residency guard."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from livebase.commerce import messages as msg
from livebase.commerce.inventory import StockItem
from livebase.markets.resources import MarketResources
from livebase_local.aws.moto_server import LocalAws
from tests.support.flow_markets import resolve_to
from tests.support.shop import BUYER, T0, Shop, open_shop, order

pytestmark = pytest.mark.slow
WAREHOUSE = "WH-EU-1"
BUYER_SAYS = msg.Requester(kind="viewer", viewer_id=BUYER)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def step(order_id: str, status: str, minutes: int) -> msg.WmsUpdate:
    return msg.WmsUpdate(update_id=f"{order_id}-{status}", order_id=order_id, warehouse=WAREHOUSE, status=status,  # type: ignore[arg-type]
                         at=at(minutes))  # fmt: skip


def shipped_and_delivered(order_id: str) -> list[msg.OrderMessage]:
    return [step(order_id, "handed", 30), step(order_id, "picked", 45), step(order_id, "shipped", 60),
            step(order_id, "delivered", 24 * 60)]  # fmt: skip


@pytest.fixture
def shop(moto_server: LocalAws, prefect_harness: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    import flows.stock_reconciliation as module

    opened = open_shop("eu", {"SKU-A1": "19.90", "SKU-B2": "5.00"})
    unused = {f.name: f"rc-unused-{f.name}" for f in fields(MarketResources)}
    tables = {"inventory_table": opened.inventory.table, "orders_table": opened.orders.model.Meta.table_name}
    resources = MarketResources(**(unused | tables | {"market": "eu", "region": opened.market.region}))
    resolve_to(monkeypatch, module, resources)
    yield opened


def a_day_of_orders(shop: Shop) -> None:
    for sku, units in (("SKU-A1", 20), ("SKU-B2", 6)):  # opening stock is booked as a receipt, as ./livebase stock does
        shop.inventory.create(StockItem(sku, WAREHOUSE, "eu", available=0))
        shop.inventory.receive(sku, WAREHOUSE, units, f"opening-eu-{sku}")
    received = T0 + timedelta(seconds=2)
    for order_id, lines in (
        ("ord-rc-ship", [("SKU-A1", 2, "19.90")]),
        ("ord-rc-cancel", [("SKU-A1", 3, "19.90")]),
        ("ord-rc-return", [("SKU-A1", 2, "19.90"), ("SKU-B2", 1, "5.00")]),
        ("ord-rc-open", [("SKU-B2", 2, "5.00")]),
        ("ord-rc-cheap", [("SKU-A1", 1, "0.01")]),
    ):
        for _ in range(2):  # each in a session of its own: the market's per-session purchase limit stays out of it
            shop.intake.accept(order(shop, order_id, *lines, session=f"sess-{order_id}"), received)
    messages: list[msg.OrderMessage] = [
        *shipped_and_delivered("ord-rc-ship"),
        msg.CancelRequest(message_id="cxl-rc-1", order_id="ord-rc-cancel", at=at(5), requested_by=BUYER_SAYS),
        *shipped_and_delivered("ord-rc-return"),
        msg.ReturnRequested(message_id="ret-rc-1", order_id="ord-rc-return", at=at(2 * 24 * 60),
                            requested_by=BUYER_SAYS, lines=(msg.ReturnLine(sku="SKU-A1", quantity=2),)),
        msg.ReturnReceived(message_id="rma-rc-1", order_id="ord-rc-return", warehouse=WAREHOUSE, at=at(3 * 24 * 60),
                           lines=(msg.ReceivedLine(sku="SKU-A1", sellable=1, written_off=1),)),
        msg.RefundRequest(message_id="rfd-rc-1", order_id="ord-rc-return", at=at(3 * 24 * 60 + 5),
                          requested_by=msg.Requester(kind="livebase"), currency="EUR"),
    ]  # fmt: skip
    for message in messages:
        for _ in range(2):  # every message delivered twice
            shop.life.apply(message)
    shop.inventory.receive("SKU-A1", WAREHOUSE, 12, "GR-RC-1:SKU-A1")


def published(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the flow publishes, kept after the real publish (the residency guard) let it through."""
    import flows.stock_reconciliation as module

    seen: dict[str, Any] = {}
    for name in ("publish_table", "publish_markdown"):
        original = getattr(module, name)

        def keep(market: str, key: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            found = _original(market, key, *args, **kwargs)
            seen[key] = (kwargs.get("table") or kwargs.get("markdown"), kwargs.get("description"))
            return found

        monkeypatch.setattr(module, name, keep)
    return seen


def test_a_day_of_orders_reconciles_and_drift_names_the_order_behind_it(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.stock_reconciliation import stock_reconciliation

    a_day_of_orders(shop)
    seen = published(monkeypatch)
    [clean] = stock_reconciliation(markets=["eu"], confirm_after_seconds=0)
    assert (clean.decision, clean.skus, clean.drifting, clean.orders_read) == ("stock reconciles", 2, [], 5)
    rows, description = seen["stock-reconciliation-eu"]
    a1 = next(row for row in rows if row["sku"] == "SKU-A1")
    # on hand: opening 20 + receipts 12 - shipped 2 + 2 + restocked 1 = 29 (the cancel gave its 3 back)
    assert (a1["verdict"], a1["on_hand"], a1["books_on_hand"], a1["shipped"], a1["restocked"]) == (
        "reconciles", 29, 29, 4, 1)  # fmt: skip
    assert description.startswith("eu: stock reconciles")

    # The open order's shipment moved its stock, but its state was never written (a crash between);
    # and one SKU-A1 unit left the shelf without any record.
    shop.inventory.consume("ord-rc-open", "shipment_update:ord-rc-open-shipped")
    item = shop.inventory.get("SKU-A1", WAREHOUSE)
    assert item is not None
    shop.dynamodb.put_item(TableName=shop.inventory.table, Item=replace(item, available=item.available - 1).to_item())
    [drift] = stock_reconciliation(markets=["eu"], confirm_after_seconds=0)
    assert (drift.decision, sorted(drift.drifting), drift.orders_explaining) == (
        "2 SKUs drift", ["SKU-A1", "SKU-B2"], ["ord-rc-open"])  # fmt: skip
    markdown, description = seen["stock-reconciliation-drift-eu"]
    assert markdown.startswith("## eu (WH-EU-1): 2 SKUs drift") and description.startswith("eu: 2 SKUs drift")
    assert "`ord-rc-open`: placed, so its 2 unit(s) should be reserved; its reservation holds 0" in markdown
    assert "SKU-A1: on hand 28, books 29" in markdown and "a change outside the books" in markdown
    assert BUYER not in markdown and BUYER not in str(seen["stock-reconciliation-eu"][0])
