"""Livebase's pricing decides tax and duty with the market's table (livebase.tax): the order's destination
(absent: home), the catalogue's HS code or its category's, a destination the table cannot decide refused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from livebase.commerce.pricing import PriceBook, price_order
from livebase.live.events import OrderLine, OrderPlaced
from livebase.replenishment.catalogue import Catalogue, SkuTerms
from livebase.tax import market_tax_table

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
CATALOGUE = Catalogue(
    skus=(
        SkuTerms(sku="SKU-LIP", supplier_id="default-supplier", list_price=Decimal("19.90"), hs_code="330410"),
        SkuTerms(sku="SKU-SCARF", supplier_id="default-supplier", list_price=Decimal("29.00"), category="apparel"),
        SkuTerms(sku="SKU-BARE", supplier_id="default-supplier", list_price=Decimal("5.00")),  # no code, no category
    )
)
BOOK = PriceBook.from_catalogue(CATALOGUE, "EUR", tax=market_tax_table("eu"))


def placed(*lines: tuple[str, int, str], destination: str | None = None) -> OrderPlaced:
    return OrderPlaced(
        event_id="evt-order-0001", type="order_placed", market="eu", room_id="eu-room-1", session_id="eu-s-1",
        ts=T0, viewer_id="v_" + "a1" * 8, order_id="ord-0001", currency="EUR", destination=destination,
        lines=tuple(OrderLine(sku=s, quantity=q, unit_price=Decimal(p)) for s, q, p in lines),
    )  # fmt: skip


def test_an_order_home_is_taxed_by_germanys_rule_and_its_total_stays_net() -> None:
    # eu-ioss-2026: two subheadings (3304.10 own code, 6214.10 from the apparel category): EUR 6 duty;
    # VAT 19 % of (19.90 + 3) = 4.35 and of (29 + 3) = 6.08.
    decision = price_order(placed(("SKU-LIP", 1, "19.90"), ("SKU-SCARF", 1, "29.00")), BOOK, "refuse", T0)
    assert decision.accepted and decision.total == Decimal("48.90")  # Livebase's net total, as before
    assert decision.tax is not None
    assert (decision.tax.destination, decision.tax.rule_id) == ("DE", "eu-ioss-2026")
    assert [line.hs_code for line in decision.tax.lines] == ["330410", "621410"]
    assert decision.tax.record_fields() == {
        "net_total": "48.90", "tax_total": "10.43", "duty_total": "6.00", "landed_total": "65.33",
        "tax_rule": "eu-ioss-2026", "destination": "DE",
    }  # fmt: skip


def test_the_destination_on_the_order_picks_its_countrys_rate() -> None:
    decision = price_order(placed(("SKU-LIP", 1, "19.90"), destination="IE"), BOOK, "refuse", T0)
    assert decision.tax is not None and decision.tax.tax_total == Decimal("5.27")  # 23 % of 22.90


def test_an_unknown_destination_or_a_line_without_hs_code_refuses_the_order_with_the_reason() -> None:
    abroad = price_order(placed(("SKU-LIP", 1, "19.90"), destination="JP"), BOOK, "refuse", T0)
    assert not abroad.accepted and "no tax rule for JP" in abroad.reason
    bare = price_order(placed(("SKU-BARE", 1, "5.00")), BOOK, "refuse", T0)
    assert not bare.accepted and "SKU-BARE has no HS code in the catalogue" in bare.reason


def test_a_price_refusal_comes_first_and_no_tax_is_decided() -> None:
    decision = price_order(placed(("SKU-LIP", 1, "1.00")), BOOK, "refuse", T0)
    assert not decision.accepted and decision.tax is None and "differs" in decision.reason


def test_a_book_without_a_table_decides_no_tax() -> None:
    untaxed = PriceBook.from_catalogue(CATALOGUE, "EUR")
    decision = price_order(placed(("SKU-BARE", 1, "5.00"), destination="JP"), untaxed, "refuse", T0)
    assert decision.accepted and decision.tax is None
