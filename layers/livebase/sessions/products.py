"""The planner's view of each SKU, from master data, stock, open POs, sales and the room record.

Pure: the flow reads the stores and passes plain values here. Price is the catalogue's list
price, else the average price the SKU sold at in the sales window; a SKU with neither is left
out (it cannot be valued) and counted. Inbound units are what each open PO still has to deliver.
With the market's tax table, each product also carries the price the room shows (``shown_price``:
a unit landed at home, tax-inclusive where the consumer law asks; ``livebase.tax.shown_unit_price``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from livebase.replenishment.catalogue import Catalogue, SkuTerms
from livebase.replenishment.history import SaleLine
from livebase.sessions.lineup import Product, predicted_conversion
from livebase.sessions.timing import Engagement
from livebase.stores.purchase_orders import PurchaseOrderItem
from livebase.tax import TaxTable, shown_unit_price


def inbound_units(orders: Iterable[PurchaseOrderItem]) -> dict[str, list[tuple[date, int]]]:
    """Per SKU: (expected arrival, units still to come) of every open PO."""
    inbound: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for po in orders:
        arrival = date.fromisoformat(po["expected_arrival"][:10])
        received = po.get("received", {})
        for line in po["lines"]:
            left = int(line["quantity"]) - int(received.get(line["sku"], 0))
            if left > 0:
                inbound[line["sku"]].append((arrival, left))
    return inbound


def base_conversion(engagement: Engagement) -> float:
    """The market's average conversion per viewer-minute (hour-of-week mean)."""
    return sum(engagement.conversion) / len(engagement.conversion)


def build_products(
    catalogue: Catalogue,
    sellable: Mapping[str, int],
    inbound: Mapping[str, list[tuple[date, int]]],
    sales: Iterable[SaleLine],
    screen: Mapping[str, tuple[int, int]],
    engagement: Engagement,
    tax: TaxTable | None = None,
    at: datetime | None = None,  # the day the shown prices are decided for (with ``tax``)
) -> tuple[list[Product], list[str]]:
    """Products for every SKU in stock, on order or in the catalogue; and the SKUs without a price."""
    units: dict[str, int] = defaultdict(int)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for line in sales:
        units[line.sku] += line.units
        revenue[line.sku] += line.revenue
    skus = sorted({*sellable, *inbound, *(s.sku for s in catalogue.skus)})
    mean_units = (sum(units.values()) / len(skus)) if skus else 0.0
    base = base_conversion(engagement)
    terms_of = {terms.sku: terms for terms in catalogue.skus}
    products, unpriced = [], []
    for sku in skus:
        terms = terms_of.get(sku)
        price = terms.list_price if terms and terms.list_price else (revenue[sku] / units[sku] if units[sku] else None)
        if price is None:
            unpriced.append(sku)
            continue
        velocity = units[sku] / mean_units if mean_units else 1.0
        orders, viewers = screen.get(sku, (0, 0))
        products.append(Product(
            sku=sku, category=terms.category if terms else None, price=float(price),
            unit_cost=float(terms.unit_cost) if terms else 0.0,
            conversion=predicted_conversion(orders, viewers, base, velocity),
            on_hand=max(0, int(sellable.get(sku, 0))), inbound=tuple(sorted(inbound.get(sku, ()))),
            modest=terms.modest if terms else False, shown_price=_shown(tax, at, terms, price),
        ))  # fmt: skip
    return products, unpriced


def _shown(tax: TaxTable | None, at: datetime | None, terms: SkuTerms | None, price: Decimal) -> str | None:
    """The room's price of one unit; None without a table, or where no rule decides it."""
    if tax is None or at is None:
        return None
    hs_code = tax.hs_code(terms.hs_code, terms.category) if terms else None
    shown = shown_unit_price(tax, Decimal(price), hs_code, at)
    return None if shown is None else str(shown)
