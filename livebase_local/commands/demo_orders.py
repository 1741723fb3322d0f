"""The demo's after-sale chapter (issue 28): one order through return and refund, one presale to stock.

Everything goes the way it goes in the cloud: messages on the stack's queues (``shipment-updates``
for the warehouse's steps, ``order-returns`` for returns, refunds), order records on the stream,
the goods through the supplier and the ``receiving`` function; the runner's consumers apply them and
the lines are read back from the stores, with the SKU's stock before and after.

* :func:`presale_opened`, before the suppliers deliver: a presale on an inbound PO of the SKU with the
  least stock left (``./livebase presale``'s own call), and one order that buys ahead of the goods;
* :func:`presale_served`, after the delivery: the goods receipt served the presold order first;
* :func:`order_life`: a shipped order delivered, half of one line sent back and received sellable
  (restocked), and Livebase refunding what the received units are worth.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3

from livebase.commerce import messages as msg
from livebase.commerce.order_state import OrderState
from livebase.commerce.orders import market_warehouse
from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources
from livebase.replenishment.catalogue import Catalogue
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import OrderStore
from livebase.stores.purchase_orders import OPEN, PurchaseOrderItem, PurchaseOrderLine, PurchaseOrderStore, outstanding
from livebase_local.simulator.records import SimRecord, send_to_kinesis

Drain = Callable[[], Any]
PRESALE_UNITS = 2  # what the demo's presale buyer orders ahead of the goods
PRESALE_CAP = 4
MAX_BUY_DOWN = 40  # units on the shelf the demo's other buyers take first, at most
PRESALE_PO_UNITS = 24


def _inventory(resources: MarketResources) -> InventoryStore:
    return InventoryStore(boto3.client("dynamodb", region_name=resources.region), resources.inventory_table)


def stock_line(resources: MarketResources, sku: str) -> str:
    """The SKU's stock as ops reads it: on hand, of which reserved; presale sold and left."""
    item = _inventory(resources).get(sku, market_warehouse(resources.market))
    if item is None:
        return f"{sku} not tracked"
    presale = f", presale {item.presale_reserved} sold / {item.presale_left} left" if item.presale_cap else ""
    return f"on hand {item.on_hand} (available {item.available}, reserved {item.reserved}){presale}"


def send_order_messages(resources: MarketResources, messages: list[msg.OrderMessage]) -> None:
    """Each message on its queue, as the warehouse, the player or Livebase sends it."""
    sqs = boto3.client("sqs", region_name=resources.region)
    for message in messages:
        url = (
            resources.shipment_updates_queue_url
            if isinstance(message, msg.WmsUpdate)
            else resources.order_returns_queue_url
        )
        sqs.send_message(QueueUrl=url, MessageBody=message.model_dump_json())


# ---- a presale through goods receipt ---------------------------------------------------------------
@dataclass(frozen=True)
class Presale:
    sku: str
    po_id: str
    order_id: str
    before: str  # the stock line once the presold order is in
    po_placed: bool = False  # the demo placed the PO (as ops would): it counts among the run's POs


def presale_opened(resources: MarketResources, drain: Drain, seed: int) -> tuple[Presale | None, list[str]]:
    """Open a presale on an inbound PO and sell it once; None (and why) when no PO brings a demo SKU."""
    from livebase.replenishment.presales import PresaleRefused
    from livebase_local.commands.presale import open_market_presale

    market, warehouse = resources.market, market_warehouse(resources.market)
    pos = PurchaseOrderStore(boto3.client("dynamodb", region_name=resources.region), resources.purchase_orders_table)
    inventory = _inventory(resources)
    catalogue = _catalogue(resources)
    prices = {t.sku: t.list_price for t in catalogue.skus if t.list_price is not None}
    by_stock = [i for i in sorted(inventory.stock_of(warehouse).values(), key=lambda i: (i.available, i.sku))
                if i.sku in prices and i.available <= MAX_BUY_DOWN]  # fmt: skip
    if not by_stock:
        return None, ["presale: no SKU of the catalogue is low enough on the shelf to presell"]
    sku = next((i.sku for i in by_stock if pos.inbound(market, i.sku)), None)
    placed = sku is None
    if sku is None:  # nothing inbound for a low SKU: ops place a PO for the lowest (the flow would, nearer its mark)
        sku = by_stock[0].sku
        place_purchase_order(resources, pos, catalogue, sku)
    po = pos.inbound(market, sku)[0]
    try:
        opened = open_market_presale(resources, sku, min(PRESALE_CAP, outstanding(po, sku)), po["po_id"])
    except PresaleRefused as refused:
        return None, [f"presale of {sku} refused: {refused}"]
    item = inventory.get(sku, warehouse)
    spot = 0 if item is None else item.available
    if spot > MAX_BUY_DOWN:
        return None, [f"{opened.line()}; {sku} still has {spot} units on the shelf, none sold ahead"]
    # Other buyers take what is on the shelf first (a viewer buys at most the market's limit per session).
    limit = load_markets()[market].commerce.purchase_limit_per_sku_per_session or MAX_BUY_DOWN
    buys = [min(limit, spot - taken) for taken in range(0, spot, limit)]
    records = [_order(resources, f"{seed}-shelf-{n}", sku, units, prices[sku]) for n, units in enumerate(buys)]
    order_id, presold = _order(resources, f"{seed}-presale", sku, PRESALE_UNITS, prices[sku])
    sims = [SimRecord(0.0, f"presale-{sku}", data, "order_placed") for _, data in [*records, (order_id, presold)]]
    send_to_kinesis(sims, resources.stream_name, resources.region, progress=False)  # one shard: in this order
    drain()
    lines = [
        opened.line(),
        f"  {len(buys)} order(s) took the {spot} units on the shelf; order {order_id}: {PRESALE_UNITS} x {sku} ahead "
        f"of the goods: {_status(resources, order_id)}; stock: {stock_line(resources, sku)}",
    ]
    if placed:
        lines.insert(
            0, f"purchase order {po['po_id']} placed by ops: {outstanding(po, sku)} x {sku}, nothing was inbound"
        )
    return Presale(sku, po["po_id"], order_id, stock_line(resources, sku), placed), lines


def _catalogue(resources: MarketResources) -> Catalogue:
    """The market's catalogue as the orders consumer reads it (its list prices are what it charges)."""
    from livebase.commerce.price_list import catalogue_from_lake

    return catalogue_from_lake(boto3.client("s3", region_name=resources.region), resources.data_lake_bucket)()


def place_purchase_order(resources: MarketResources, pos: PurchaseOrderStore, catalogue: Catalogue, sku: str) -> str:
    """One PO for ``sku`` from its catalogue supplier, written and announced to the supplier as the
    ``order-to-replenish`` flow does (the simulated supplier delivers it with the run's own)."""
    from livebase.replenishment.purchase_orders import announce_pending, write_purchase_orders

    terms = catalogue.sku_terms(sku)
    assert terms is not None, sku
    today = datetime.now(UTC).date()
    quantity = max(PRESALE_PO_UNITS, terms.moq or 0)
    document = PurchaseOrderItem(
        po_id=f"PO-{resources.market}-{terms.supplier_id}-{today:%Y%m%d}-presale", market=resources.market,
        supplier=terms.supplier_id, run_date=today.isoformat(), status=OPEN, announced=False,
        created_at=datetime.now(UTC).isoformat(), flow_run_id="demo-presale", currency=_currency(resources),
        expected_arrival=(today + timedelta(days=7)).isoformat(),
        lines=[PurchaseOrderLine(sku=sku, quantity=quantity, unit_cost=str(terms.unit_cost))],
        total_cost=str(terms.unit_cost * quantity),
    )  # fmt: skip
    write_purchase_orders(pos, [document])
    events = boto3.client("events", region_name=resources.region)
    announce_pending(pos, events, resources.event_bus_name, pos.open_orders(resources.market))
    return document["po_id"]


def _currency(resources: MarketResources) -> str:
    return load_markets()[resources.market].currency


def _order(resources: MarketResources, name: str, sku: str, units: int, price: Decimal) -> tuple[str, bytes]:
    """An order record of the demo's presale room (its own viewer per order, Livebase's list price)."""
    market, now = resources.market, datetime.now(UTC)
    order_id = f"ord-{market}-{name}"
    record = {
        "event_id": f"evt-{market}-{name}", "schema_version": 1, "type": "order_placed", "market": market,
        "room_id": f"room-{market}-1", "session_id": f"sess-{now:%Y%m%d}-presale", "ts": now.isoformat(),
        "viewer_id": f"v_{zlib.crc32(order_id.encode()):016x}", "order_id": order_id,
        "currency": _currency(resources),
        "lines": [{"sku": sku, "quantity": units, "unit_price": str(price)}],
    }  # fmt: skip
    return order_id, json.dumps(record).encode()


def presale_served(resources: MarketResources, presale: Presale) -> str:
    """After the PO's goods arrived: what the presold order's reservation holds now, and the stock."""
    record = _inventory(resources).reservation(presale.order_id) or {}
    lines = [line for line in record.get("lines", []) if line.get("sku") == presale.sku]
    spot, ahead = sum(int(x["spot"]) for x in lines), sum(int(x["presale"]) for x in lines)
    return (
        f"  goods of {presale.po_id} received: order {presale.order_id} served first ({spot} units reserved from "
        f"stock, {ahead} still waiting); stock: {stock_line(resources, presale.sku)}"
    )


# ---- an order shipped, returned, restocked, refunded ------------------------------------------------
def order_life(resources: MarketResources, drain: Drain) -> list[str]:
    """A shipped order of the demo delivered, one unit back sellable, restocked, refunded."""
    store = OrderStore.for_market(resources)
    shipped = [s for s in (_state(resources, o.order_id) for o in store.all_orders()) if s and s.shipped]
    if not shipped:
        return ["order life: no shipped order to return"]
    state = min(shipped, key=lambda s: s.order_id)
    line = max(state.lines, key=lambda line: (line.quantity, line.sku))
    back = max(1, line.quantity // 2)
    before = stock_line(resources, line.sku)
    at = datetime.now(UTC)
    ids = state.order_id[:52]
    viewer = msg.Requester(kind="viewer", viewer_id=state.viewer_id)
    warehouse = market_warehouse(resources.market)
    messages: list[msg.OrderMessage] = [
        msg.WmsUpdate(update_id=f"{ids}-de", order_id=state.order_id, warehouse=warehouse, status="delivered",
                      at=at, carrier="demo-post"),
        msg.ReturnRequested(message_id=f"{ids}-rq", order_id=state.order_id, at=at + timedelta(seconds=1),
                            requested_by=viewer, lines=(msg.ReturnLine(sku=line.sku, quantity=back),),
                            reason="too_small"),
    ]  # fmt: skip
    send_order_messages(resources, messages * 2)  # every message delivered twice
    drain()
    receipt = msg.ReturnReceived(
        message_id=f"{ids}-rr", order_id=state.order_id, warehouse=warehouse, at=at + timedelta(seconds=2),
        lines=(msg.ReceivedLine(sku=line.sku, sellable=back),),
    )  # fmt: skip
    send_order_messages(resources, [receipt, receipt])
    drain()
    restocked = stock_line(resources, line.sku)
    refund = msg.RefundRequest(
        message_id=f"{ids}-rf", order_id=state.order_id, at=at + timedelta(seconds=3),
        requested_by=msg.Requester(kind="livebase"), currency=state.currency, reason="return_received",
    )  # fmt: skip
    send_order_messages(resources, [refund, refund])
    drain()
    after = _state(resources, state.order_id)
    refunded = Decimal(0) if after is None else after.refunded
    status = "missing" if after is None else after.status.value
    return [
        f"order life: {state.order_id} ({line.quantity} x {line.sku} at {line.unit_price} {state.currency}): "
        f"delivered, {back} sent back, received sellable, restocked, refunded {refunded} {state.currency}; "
        f"status {status} (each message delivered twice)",
        f"  {line.sku} stock: shipped {before}; after the return {restocked}",
    ]


def _state(resources: MarketResources, order_id: str) -> OrderState | None:
    found = OrderStore.for_market(resources).read_state(order_id)
    return None if found is None else found[1]


def _status(resources: MarketResources, order_id: str) -> str:
    state = _state(resources, order_id)
    if state is None:
        return "not stored"
    return f"rejected ({state.rejection})" if state.rejected else state.status.value
