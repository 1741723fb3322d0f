"""Opening stock and a seeded supplier catalogue for a market's warehouse: what the demo, `up` and
`./livebase stock` start from (idempotent: a second booking changes nothing and says so).

Without stock every simulated order is rejected (nothing is tracked to reserve against) and
order-to-replenish has nothing to plan; the opening stock covers the demo's catalogue and the
simulated live day's line-ups (``livebase_local.simulator.model``: eight SKUs per room, named
``<MARKET>-<room><nnnn>``), so `simulate --send` after `up` places orders.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.aws import retry_config
from livebase.commerce.inventory import Outcome, StockItem
from livebase.commerce.orders import market_warehouse
from livebase.markets.resources import MarketResources
from livebase.replenishment.catalogue import CATALOGUE_KEY, parse_catalogue
from livebase.stores.inventory import InventoryStore
from livebase_local.simulator.demo_orders import CATALOGUE, OPENING_STOCK
from livebase_local.simulator.records import SimRecord

LIVE_ROOMS = (1, 2)  # the simulated day's rooms (lunch, prime time)
LINEUP_SIZE = 8  # SKUs per room's line-up
LINEUP_UNITS = 300  # opening units of each line-up SKU (the demo's live show books the same)
LINEUP_PRICE = Decimal("30")  # list price of a line-up SKU in the catalogue (the simulator varies it)
CATEGORIES = {"LIP": "beauty", "SERUM": "skincare", "MASK": "skincare", "TEA": "food", "SCARF": "apparel",
              "BAG": "accessories"}  # fmt: skip


def lineup_skus(market_id: str, rooms: tuple[int, ...] = LIVE_ROOMS) -> list[str]:
    """The SKUs of the simulated line-ups (as ``model.RoomSim._lineup`` names them)."""
    return [f"{market_id.upper()}-{room}{n:04d}" for room in rooms for n in range(LINEUP_SIZE)]


def opening_stock(market_id: str) -> dict[str, int]:
    """Units per SKU: the demo's catalogue (one bag that sells out live) and every line-up."""
    return {**OPENING_STOCK, **{sku: LINEUP_UNITS for sku in lineup_skus(market_id)}}


def seeded_catalogue(market_id: str) -> dict[str, Any]:
    """A supplier catalogue for the opening stock: two suppliers, cost, class-free terms, category and price."""
    demo, live = f"SUP-{market_id.upper()}-A", f"SUP-{market_id.upper()}-LIVE"
    skus: list[dict[str, Any]] = [
        {"sku": sku, "supplier_id": demo, "unit_cost": str((price * Decimal("0.4")).quantize(Decimal("0.01"))),
         "category": CATEGORIES[sku.split("-")[1]], "modest": "SCARF" in sku, "list_price": str(price)}
        for sku, price in CATALOGUE.items()
    ]  # fmt: skip
    skus += [
        {"sku": sku, "supplier_id": live, "unit_cost": "12.00", "category": "beauty", "list_price": str(LINEUP_PRICE)}
        for sku in lineup_skus(market_id)
    ]
    return {
        "suppliers": [
            {"supplier_id": demo, "lead_time_mean_days": 7, "lead_time_std_days": 2, "moq": 12, "case_pack": 6},
            {"supplier_id": live, "lead_time_mean_days": 5, "lead_time_std_days": 1, "moq": 24, "case_pack": 12},
        ],
        "skus": skus,
    }


@dataclass
class StockBooking:
    """What one booking did: SKUs tracked / received now, and what was already there."""

    market: str
    tracked_now: list[str] = field(default_factory=list)
    already_tracked: list[str] = field(default_factory=list)
    received_now: dict[str, int] = field(default_factory=dict)
    already_received: list[str] = field(default_factory=list)
    catalogue: str = ""  # "written" / "already there" / "" (not asked)
    catalogue_location: str = ""

    def line(self) -> str:
        """One line for the terminal, saying what already existed."""
        units = sum(self.received_now.values())
        parts = [f"{len(self.tracked_now)} SKUs tracked now, {units} units received"]
        if self.already_tracked:
            parts.append(f"{len(self.already_tracked)} SKUs already tracked")
        if self.already_received:
            parts.append(f"{len(self.already_received)} opening receipts already booked (nothing added)")
        if self.catalogue:
            parts.append(f"catalogue {self.catalogue}: {self.catalogue_location}")
        return f"{self.market}: " + "; ".join(parts)


def stock_store(resources: MarketResources) -> InventoryStore:
    client = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
    return InventoryStore(client, resources.inventory_table)


def seed_stock(
    resources: MarketResources, units_by_sku: Mapping[str, int], receipt_prefix: str = "opening"
) -> StockBooking:
    """Track each SKU in the market's warehouse and book one opening receipt (once per prefix)."""
    store = stock_store(resources)
    warehouse = market_warehouse(resources.market)
    booking = StockBooking(resources.market)
    for sku, units in units_by_sku.items():
        created = store.create(StockItem(sku=sku, warehouse=warehouse, market=resources.market, available=0))
        (booking.tracked_now if created else booking.already_tracked).append(sku)
        if units > 0:
            result = store.receive(sku, warehouse, units, receipt_id=f"{receipt_prefix}-{resources.market}-{sku}")
            if result.outcome is Outcome.APPLIED:
                booking.received_now[sku] = units
            else:
                booking.already_received.append(sku)
    return booking


def seed_catalogue(resources: MarketResources) -> tuple[bool, str]:
    """Write the seeded catalogue to the market's lake unless one is there (ops' own is never replaced).

    Returns (written, location)."""
    s3 = boto3.client("s3", region_name=resources.region, config=retry_config())
    bucket = resources.data_lake_bucket
    location = f"s3://{bucket}/{CATALOGUE_KEY}"
    try:
        s3.head_object(Bucket=bucket, Key=CATALOGUE_KEY)
        return False, location
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound"):
            raise
    body = json.dumps(seeded_catalogue(resources.market), indent=1).encode()
    parse_catalogue(body, location)  # what the flows will read must validate
    s3.put_object(Bucket=bucket, Key=CATALOGUE_KEY, Body=body, ContentType="application/json")
    return True, location


def write_price_list(resources: MarketResources, list_prices: Mapping[str, str], supplier: str) -> None:
    """Replace the market's catalogue with ``list_prices`` (SKU -> list price) from one supplier: what a
    benchmark sells (the orders consumer prices every line from the catalogue, never the client)."""
    body = json.dumps({
        "suppliers": [{"supplier_id": supplier, "lead_time_mean_days": 5, "lead_time_std_days": 1, "moq": 12,
                       "case_pack": 6}],
        "skus": [{"sku": sku, "supplier_id": supplier, "unit_cost": "10.00", "category": "beauty", "list_price": price}
                 for sku, price in sorted(list_prices.items())],
    }).encode()  # fmt: skip
    parse_catalogue(body, f"s3://{resources.data_lake_bucket}/{CATALOGUE_KEY}")  # what the consumer reads validates
    s3 = boto3.client("s3", region_name=resources.region, config=retry_config())
    s3.put_object(Bucket=resources.data_lake_bucket, Key=CATALOGUE_KEY, Body=body, ContentType="application/json")


def write_catalogue(resources: MarketResources, day: Iterable[SimRecord]) -> dict[str, str]:
    """The market's catalogue in its lake: every SKU the day's orders name, at the price the day sells it
    at most (the orders consumer prices every line from it: a flash sale's lower price is then a client
    price that differs, repriced or refused per market, as without the session's promotion set by ops)."""
    prices: dict[str, Counter[str]] = defaultdict(Counter)
    for record in day:
        if record.kind == "order_placed":
            for line in json.loads(record.data)["lines"]:
                prices[line["sku"]][line["unit_price"]] += 1
    list_prices = {sku: counts.most_common(1)[0][0] for sku, counts in sorted(prices.items())}
    write_price_list(resources, list_prices, supplier=f"SUP-{resources.market.upper()}-SIM")
    return list_prices


def book_opening(resources: MarketResources) -> StockBooking:
    """The seeded catalogue (if none) and the opening stock of ``resources``' market."""
    written, location = seed_catalogue(resources)
    booking = seed_stock(resources, opening_stock(resources.market))
    booking.catalogue, booking.catalogue_location = ("written" if written else "already there"), location
    return booking
