"""A market's order path on the in-process moto: its stores, prices, bus and life, as the orders and
fulfilment functions build them (issue 28's unit tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3

from livebase.commerce.inventory import StockItem
from livebase.commerce.order_intake import OrderIntake
from livebase.commerce.order_life import OrderLife
from livebase.commerce.orders import market_warehouse
from livebase.commerce.price_list import PriceList
from livebase.live.events import OrderLine, OrderPlaced
from livebase.markets.config import Market, load_markets
from livebase.replenishment.catalogue import Catalogue, SkuTerms
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import OrderStore
from livebase.stores.room_orders import RoomOrders
from livebase.stores.session_prices import SessionPriceStore
from tests.support.tables import string_keyed_table

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
BUYER, OTHER = "v_" + "a1" * 8, "v_" + "b2" * 8


@dataclass
class FakeBus:
    """EventBridge as the intake sees it: every entry put, or the error set in ``failing``."""

    entries: list[Mapping[str, Any]] = field(default_factory=list)
    failing: Exception | None = None

    def __call__(self, entries: Sequence[Mapping[str, Any]]) -> None:
        if self.failing is not None:
            raise self.failing
        self.entries.extend(entries)

    def of(self, detail_type: str) -> list[dict[str, Any]]:
        import json

        return [json.loads(e["Detail"]) for e in self.entries if e["DetailType"] == detail_type]


@dataclass
class Shop:
    market: Market
    inventory: InventoryStore
    orders: OrderStore
    room_orders: RoomOrders
    session_prices: SessionPriceStore
    intake: OrderIntake
    life: OrderLife
    bus: FakeBus
    dynamodb: Any
    room_table: str

    @property
    def warehouse(self) -> str:
        return market_warehouse(self.market.id)

    def stock(self, units: Mapping[str, int]) -> None:
        for sku, quantity in units.items():
            self.inventory.create(StockItem(sku, self.warehouse, self.market.id, available=quantity))

    def levels(self, sku: str) -> tuple[int, int]:
        """(available, reserved) of the SKU in the market's warehouse."""
        item = self.inventory.get(sku, self.warehouse)
        assert item is not None
        return item.available, item.reserved

    def room_items(self, room_id: str) -> list[dict[str, Any]]:
        found = self.dynamodb.query(
            TableName=self.room_table, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"ROOM#{room_id}"}},
        )  # fmt: skip
        from livebase.aws import from_attributes

        return [from_attributes(item) for item in found["Items"]]


def open_shop(market_id: str, list_prices: Mapping[str, str], *, now: datetime = T0 + timedelta(days=30)) -> Shop:
    """The market's order path on moto with a catalogue of ``list_prices`` (SKU -> price text)."""
    market = load_markets()[market_id]
    dynamodb = boto3.client("dynamodb", region_name=market.region)
    inventory_table = string_keyed_table(dynamodb, "inventory", "sku", "warehouse")
    room_table = string_keyed_table(dynamodb, "room-metrics", "pk", "sk")
    inventory = InventoryStore(dynamodb, inventory_table, sleep=lambda _: None)
    orders = OrderStore(string_keyed_table(dynamodb, "orders", "order_id"), market.region)
    room_orders = RoomOrders(dynamodb, room_table)
    session_prices = SessionPriceStore(dynamodb, inventory_table)
    catalogue = Catalogue(
        skus=tuple(
            SkuTerms(sku=s, supplier_id="default-supplier", list_price=Decimal(p)) for s, p in list_prices.items()
        )
    )
    prices = PriceList(market.currency, lambda: catalogue, session_prices.for_sku)
    bus = FakeBus()
    intake = OrderIntake(inventory, orders, room_orders, prices, market, "bus", bus)
    life = OrderLife(inventory, orders, room_orders, market, clock=lambda: now)
    return Shop(market, inventory, orders, room_orders, session_prices, intake, life, bus, dynamodb, room_table)


def order(
    shop: Shop, order_id: str, *lines: tuple[str, int, str], viewer: str = BUYER, session: str = "sess-1", **more: Any
) -> OrderPlaced:
    """An order of the shop's market; each line (sku, quantity, the client's unit price)."""
    fields: dict[str, Any] = {
        "event_id": f"evt-{order_id}", "type": "order_placed", "market": shop.market.id, "room_id": "room-1",
        "session_id": session, "ts": T0, "viewer_id": viewer, "order_id": order_id,
        "currency": shop.market.currency,
        "lines": tuple(OrderLine(sku=s, quantity=q, unit_price=Decimal(p)) for s, q, p in lines),
    }  # fmt: skip
    return OrderPlaced.model_validate({**fields, **more})
