"""The room's price of a product (issue 33): the session plan's line-up carries each item's shown price,
a unit landed at home where the consumer law wants tax-inclusive prices (eu), the net price where not (na)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from livebase.replenishment.catalogue import Catalogue, SkuTerms
from livebase.sessions.lineup import StockLedger, build_lineup, rank_products
from livebase.sessions.products import build_products
from livebase.sessions.timing import Engagement
from livebase.tax import market_tax_table

AT = datetime(2026, 12, 7, 12, tzinfo=UTC)
ENGAGEMENT = Engagement(viewers=(20.0,) * 168, conversion=(0.02,) * 168, observed_minutes=0)
CATALOGUE = Catalogue(
    skus=(
        SkuTerms(sku="LIP-1", supplier_id="default-supplier", category="beauty", list_price=Decimal("19.90")),
        SkuTerms(sku="BAG-1", supplier_id="default-supplier", hs_code="420221", list_price=Decimal("30.00")),
    )
)


def shown(market_id: str | None) -> dict[str, str | None]:
    tax = market_tax_table(market_id) if market_id else None
    products, _ = build_products(CATALOGUE, {"LIP-1": 100, "BAG-1": 100}, {}, [], {}, ENGAGEMENT, tax=tax, at=AT)
    return {p.sku: p.shown_price for p in products}


def test_eu_shows_the_landed_vat_inclusive_price_na_the_net_one() -> None:
    # eu-ioss-2026: (19.90 + 3.00) x 1.19 = 27.25 and (30 + 3) x 1.19 = 39.27; na: US prices before tax.
    assert shown("eu") == {"LIP-1": "27.25", "BAG-1": "39.27"}
    assert shown("na") == {"LIP-1": "19.90", "BAG-1": "30.00"}
    assert shown(None) == {"LIP-1": None, "BAG-1": None}


def test_the_lineup_item_carries_the_shown_price_into_the_plan() -> None:
    tax = market_tax_table("eu")
    products, _ = build_products(CATALOGUE, {"LIP-1": 100, "BAG-1": 100}, {}, [], {}, ENGAGEMENT, tax=tax, at=AT)
    ledger = StockLedger({p.sku: p for p in products})
    day = date(2026, 12, 8)
    lineup = build_lineup(ledger, rank_products(products, "gmv"), day, 20.0, 2, 10, "gmv", day, set())
    assert {item.sku: item.shown_price for item in lineup} == {"LIP-1": "27.25", "BAG-1": "39.27"}
    assert [item.position for item in lineup] == [1, 2]
