"""What to show, in which order: expected value per product, never out of stock, presale slots.

Expected value of a product in a slot = expected orders (viewers per minute of the window x slot
minutes x the product's predicted conversion) x price (``gmv``) or x unit margin (``margin``).
Predicted conversion: the product's own on-screen record in the room metrics (orders per
unique viewer while it was on screen), shrunk towards the market's conversion scaled by the
product's sales velocity, so a product never shown still gets a fair, modest estimate.

Stock: a product is shown on spot stock only if what the session is expected to sell is on hand
(less what earlier sessions of the plan are expected to sell; inbound purchase orders count from
their arrival day). When spot stock runs short but an open PO arrives within the delivery promise,
the product gets a presale slot (sold now, shipped when the PO lands), capped at the inbound units.
Otherwise it is left out and listed as out of stock.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from livebase.live.room_minutes import MinuteMetrics

Objective = Literal["gmv", "margin"]
SHRINK_VIEWERS = 2000.0  # pseudo-viewers behind a product's prior conversion
SPOT, PRESALE = "spot", "presale"


@dataclass(frozen=True)
class Product:
    """One SKU as the planner sees it (prices in the market's currency)."""

    sku: str
    category: str | None
    price: float
    unit_cost: float
    conversion: float  # predicted orders per unique viewer-minute on screen
    on_hand: int  # sellable now
    inbound: tuple[tuple[date, int], ...] = ()  # (arrival day, units) of open purchase orders
    modest: bool = False
    shown_price: str | None = None  # what the room shows a unit at (landed where the law asks: livebase.tax)

    def value(self, objective: Objective) -> float:
        """Value per expected order."""
        return self.price if objective == "gmv" else max(self.price - self.unit_cost, 0.0)


@dataclass(frozen=True)
class LineupItem:
    position: int
    sku: str
    category: str | None
    minutes: int
    kind: str  # SPOT or PRESALE
    expected_units: int
    expected_value: float
    ships_from: date | None = None  # presale: the day the PO arrives
    shown_price: str | None = None  # the room's price of a unit: tax-inclusive landed where the law asks


def screen_stats(minutes: Iterable[MinuteMetrics]) -> dict[str, tuple[int, int]]:
    """Per SKU: (orders, unique viewers) over the minutes it was on screen."""
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for minute in minutes:
        if minute.product_on_screen:
            entry = stats[minute.product_on_screen]
            entry[0] += minute.orders
            entry[1] += minute.unique_viewers
    return {sku: (o, v) for sku, (o, v) in stats.items()}


def predicted_conversion(orders: int, viewers: int, base_conversion: float, velocity_ratio: float) -> float:
    """Orders per viewer-minute on screen: own record shrunk to base x (velocity, bounded 0.2-5)."""
    prior = base_conversion * min(max(velocity_ratio, 0.2), 5.0)
    return (orders + SHRINK_VIEWERS * prior) / (viewers + SHRINK_VIEWERS)


@dataclass
class StockLedger:
    """Stock as the plan uses it up, session by session (never more than is there)."""

    products: dict[str, Product]
    spot_used: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    presale_used: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def spot_left(self, sku: str, on: date) -> int:
        product = self.products[sku]
        arrived = sum(units for day, units in product.inbound if day <= on)
        return product.on_hand + arrived - self.spot_used[sku]

    def presale_left(self, sku: str, on: date, promise_by: date) -> tuple[int, date | None]:
        """Inbound units arriving after ``on`` but by ``promise_by`` not yet sold ahead, and the first arrival."""
        pending = [(day, units) for day, units in self.products[sku].inbound if on < day <= promise_by]
        if not pending:
            return 0, None
        return sum(u for _, u in pending) - self.presale_used[sku], min(d for d, _ in pending)


def build_lineup(
    ledger: StockLedger,
    ranked: Sequence[Product],
    day: date,
    viewers_per_minute: float,
    slots: int,
    slot_minutes: int,
    objective: Objective,
    promise_by: date,
    out_of_stock: set[str],
    exclude: frozenset[str] = frozenset(),
) -> list[LineupItem]:
    """The session's products, best first, presales after spot items; the ledger is charged.

    ``ranked``: eligible products sorted by value per viewer (best first), so the first that fit win;
    ``exclude``: SKUs already shown that local day (each gets one slot a day).
    """
    spot: list[LineupItem] = []
    presale: list[LineupItem] = []
    for product in ranked:
        if len(spot) + len(presale) >= slots:
            break
        if product.sku in exclude:
            continue
        orders = viewers_per_minute * slot_minutes * product.conversion
        units = max(1, math.ceil(orders))
        value = round(orders * product.value(objective), 2)
        if ledger.spot_left(product.sku, day) >= units:
            ledger.spot_used[product.sku] += units
            spot.append(LineupItem(0, product.sku, product.category, slot_minutes, SPOT, units, value,
                                   shown_price=product.shown_price))  # fmt: skip
            continue
        left, arrival = ledger.presale_left(product.sku, day, promise_by)
        if left >= units:
            ledger.presale_used[product.sku] += units
            presale.append(LineupItem(0, product.sku, product.category, slot_minutes, PRESALE, units, value, arrival,
                                      product.shown_price))  # fmt: skip
            continue
        out_of_stock.add(product.sku)
    ordered = spot + presale
    return [replace(x, position=i + 1) for i, x in enumerate(ordered)]


def rank_products(products: Iterable[Product], objective: Objective) -> list[Product]:
    """Best value per viewer-minute first (ties by SKU, so the plan is deterministic)."""
    return sorted(products, key=lambda p: (-p.conversion * p.value(objective), p.sku))
