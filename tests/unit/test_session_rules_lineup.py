"""What, in which order: cultural rules with reasons, stock never oversold, presale from inbound POs."""

from __future__ import annotations

from datetime import date

import pytest

from livebase.markets.config import load_markets
from livebase.replenishment.catalogue import CatalogueError, parse_catalogue
from livebase.sessions.lineup import (
    PRESALE,
    SPOT,
    Product,
    StockLedger,
    build_lineup,
    predicted_conversion,
    rank_products,
)
from livebase.sessions.rules import rejection

MARKETS = load_markets()


def test_mena_refuses_alcohol_pork_immodest_and_uncategorised_items_with_the_rule() -> None:
    mena = MARKETS["mena"]
    assert rejection(mena, "WINE-1", "alcohol", False).rule == "banned_listing_categories"  # type: ignore[union-attr]
    pork = rejection(mena, "HAM-1", "pork", False)
    assert pork is not None and "pork" in pork.reason and "mena" in pork.reason
    assert rejection(mena, "DRESS-1", "apparel", False).rule == "modest_apparel"  # type: ignore[union-attr]
    assert rejection(mena, "ABAYA-1", "apparel", True) is None
    assert rejection(mena, "X-1", None, False).rule == "uncategorised"  # type: ignore[union-attr]
    assert rejection(mena, "TEA-1", "grocery", False) is None


def test_markets_without_bans_show_everything() -> None:
    eu = MARKETS["eu"]
    assert rejection(eu, "WINE-1", "alcohol", False) is None
    assert rejection(eu, "DRESS-1", "apparel", False) is None
    assert rejection(eu, "X-1", None, False) is None


def test_catalogue_category_is_validated_with_the_field_named() -> None:
    good = parse_catalogue({"skus": [{"sku": "A", "supplier_id": "default-supplier", "category": "apparel",
                                      "modest": True, "list_price": "19.90"}]}, "test")  # fmt: skip
    terms = good.sku_terms("A")
    assert terms is not None and terms.category == "apparel" and terms.modest and str(terms.list_price) == "19.90"
    with pytest.raises(CatalogueError, match=r"skus\.0\.category"):
        parse_catalogue({"skus": [{"sku": "A", "supplier_id": "default-supplier", "category": "Not OK!"}]}, "test")


def _product(sku: str, on_hand: int, conversion: float = 0.02, inbound: tuple[tuple[date, int], ...] = ()) -> Product:
    return Product(sku, "beauty", price=20.0, unit_cost=8.0, conversion=conversion, on_hand=on_hand, inbound=inbound)


def test_lineup_never_shows_more_than_is_in_stock_across_sessions() -> None:
    products = [_product("A", on_hand=30, conversion=0.05), _product("B", on_hand=1000, conversion=0.01)]
    ledger = StockLedger({p.sku: p for p in products})
    ranked = rank_products(products, "gmv")
    out: set[str] = set()
    day = date(2026, 12, 4)
    first = build_lineup(ledger, ranked, day, 50.0, 2, 10, "gmv", date(2026, 12, 11), out)
    assert [i.sku for i in first] == ["A", "B"] and first[0].expected_units == 25  # 50 viewers x 10 min x 0.05
    second = build_lineup(ledger, ranked, day, 50.0, 2, 10, "gmv", date(2026, 12, 11), out)
    assert [i.sku for i in second] == ["B"] and out == {"A"}  # 5 left of A: not enough for another slot
    assert ledger.spot_left("A", day) == 5


def test_sold_out_item_with_a_po_inside_the_promise_gets_a_presale_slot_after_spot_items() -> None:
    day = date(2026, 12, 4)
    products = [
        _product("SOON", on_hand=0, conversion=0.05, inbound=((date(2026, 12, 8), 100),)),
        _product("LATE", on_hand=0, conversion=0.05, inbound=((date(2026, 12, 20), 100),)),
        _product("SPOT", on_hand=100, conversion=0.01),
    ]
    ledger = StockLedger({p.sku: p for p in products})
    out: set[str] = set()
    lineup = build_lineup(ledger, rank_products(products, "gmv"), day, 20.0, 3, 10, "gmv", date(2026, 12, 11), out)
    assert [(i.sku, i.kind) for i in lineup] == [("SPOT", SPOT), ("SOON", PRESALE)]
    assert lineup[1].ships_from == date(2026, 12, 8) and out == {"LATE"}
    # once the PO has landed the same item sells on spot
    later = build_lineup(ledger, rank_products(products, "gmv"), date(2026, 12, 9), 20.0, 3, 10, "gmv",
                         date(2026, 12, 16), set())  # fmt: skip
    assert ("SOON", SPOT) in [(i.sku, i.kind) for i in later]


def test_margin_objective_prefers_the_better_margin_and_conversion_is_shrunk() -> None:
    cheap = Product("CHEAP", None, price=10.0, unit_cost=1.0, conversion=0.02, on_hand=100)
    dear = Product("DEAR", None, price=12.0, unit_cost=11.0, conversion=0.02, on_hand=100)
    assert [p.sku for p in rank_products([cheap, dear], "gmv")] == ["DEAR", "CHEAP"]
    assert [p.sku for p in rank_products([cheap, dear], "margin")] == ["CHEAP", "DEAR"]
    assert predicted_conversion(0, 0, 0.02, 1.0) == pytest.approx(0.02)
    assert predicted_conversion(1, 1, 0.02, 1.0) < 0.03  # one lucky viewer does not make a best seller
    assert predicted_conversion(500, 5000, 0.02, 1.0) > 0.07
