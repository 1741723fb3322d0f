"""Livebase prices each line (livebase.commerce.pricing): list price, session prices in their window,
a differing client price refused or repriced per market, a SKU without a price refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from livebase.commerce.pricing import PriceBook, SessionPrice, price_order
from livebase.live.events import OrderLine, OrderPlaced
from livebase.replenishment.catalogue import Catalogue, SkuTerms

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
SESSION = "eu-room-1-20261203"


def placed(*lines: tuple[str, int, str], currency: str = "EUR") -> OrderPlaced:
    return OrderPlaced(
        event_id="evt-order-0001", type="order_placed", market="eu", room_id="eu-room-1", session_id=SESSION,
        ts=T0, viewer_id="v_" + "a1" * 8, order_id="ord-0001", currency=currency,
        lines=tuple(OrderLine(sku=s, quantity=q, unit_price=Decimal(p)) for s, q, p in lines),
    )  # fmt: skip


def session_price(price: str, **changes: Any) -> SessionPrice:
    fields: dict[str, Any] = {
        "sku": "SKU-A1", "session_id": SESSION, "price": price, "kind": "promotion", "set_by": "plan",
        "valid_from": T0 - timedelta(hours=1), "valid_until": T0 + timedelta(hours=1),
    }  # fmt: skip
    return SessionPrice.model_validate({**fields, **changes})


CATALOGUE = Catalogue(
    skus=(
        SkuTerms(sku="SKU-A1", supplier_id="default-supplier", list_price=Decimal("19.90")),
        SkuTerms(sku="SKU-B2", supplier_id="default-supplier", list_price=Decimal("5")),
        SkuTerms(sku="SKU-C3", supplier_id="default-supplier"),  # no list price
    )
)
BOOK = PriceBook.from_catalogue(CATALOGUE, "EUR")


def test_the_list_price_is_charged_and_the_total_is_livebases() -> None:
    decision = price_order(placed(("SKU-A1", 2, "19.9"), ("SKU-B2", 1, "5.00")), BOOK, "refuse", T0)
    assert decision.accepted and decision.reason == "" and decision.notes == ()
    assert decision.total == Decimal("44.80")
    assert decision.unit_prices == {"SKU-A1": Decimal("19.90"), "SKU-B2": Decimal("5")}
    assert not any(line.repriced for line in decision.lines)


def test_a_differing_client_price_is_refused_where_the_market_refuses() -> None:
    decision = price_order(placed(("SKU-B2", 1, "5"), ("SKU-A1", 3, "0.01")), BOOK, "refuse", T0)
    assert not decision.accepted
    assert decision.reason == (
        "lines[1].unit_price: 0.01 differs from the list price 19.90; this market refuses a differing client price"
    )


def test_a_differing_client_price_is_repriced_where_the_market_reprices() -> None:
    decision = price_order(placed(("SKU-A1", 3, "0.01")), BOOK, "reprice", T0)
    assert decision.accepted and decision.total == Decimal("59.70")
    assert decision.lines[0].repriced and decision.lines[0].client_price == Decimal("0.01")
    assert decision.notes == ("lines[0].unit_price: 0.01 differs from the list price 19.90; charged 19.90",)


def test_a_sku_without_any_price_is_refused_whatever_the_policy() -> None:
    for policy in ("refuse", "reprice"):
        decision = price_order(placed(("SKU-C3", 1, "1"), ("SKU-ZZ", 1, "1")), BOOK, policy, T0)  # type: ignore[arg-type]
        assert decision.refusals == (
            "lines[0].sku: SKU-C3 has no list price and no price for this session",
            "lines[1].sku: SKU-ZZ has no list price and no price for this session",
        )


def test_the_currency_must_be_the_markets() -> None:
    decision = price_order(placed(("SKU-A1", 1, "19.90"), currency="USD"), BOOK, "reprice", T0)
    assert decision.reason == "currency: the order is in USD; this market sells in EUR"


def test_a_session_price_applies_in_its_window_and_only_to_its_session() -> None:
    book = PriceBook.from_catalogue(CATALOGUE, "EUR", [session_price("14.90")])
    order = placed(("SKU-A1", 1, "14.90"))
    inside = price_order(order, book, "refuse", T0)
    assert inside.accepted and inside.lines[0].quote is not None
    assert inside.lines[0].quote.describe() == "the session's promotion (set by plan)"
    after = price_order(order, book, "refuse", T0 + timedelta(hours=1))  # valid_until is not included
    assert "differs from the list price 19.90" in after.reason
    other = PriceBook.from_catalogue(CATALOGUE, "EUR", [session_price("14.90", session_id="eu-room-2-20261203")])
    assert not price_order(order, other, "refuse", T0).accepted


def test_ops_prices_win_over_the_plans_then_the_latest_then_the_lowest() -> None:
    plan_early = session_price("15.00", valid_from=T0 - timedelta(hours=2))
    plan_late = session_price("16.00", kind="live_price", valid_from=T0 - timedelta(minutes=30))
    ops = session_price("17.00", set_by="ops", valid_from=T0 - timedelta(hours=3))
    book = PriceBook("EUR", {"SKU-A1": Decimal("19.90")}, (plan_early, plan_late, ops))
    assert book.quote("SKU-A1", SESSION, T0).unit_price == Decimal("17.00")  # type: ignore[union-attr]
    book = PriceBook("EUR", {"SKU-A1": Decimal("19.90")}, (plan_early, plan_late))
    quote = book.quote("SKU-A1", SESSION, T0)
    assert quote is not None and (quote.unit_price, quote.source) == (Decimal("16.00"), "live_price")
    tie = session_price("14.00", valid_from=T0 - timedelta(minutes=30))
    book = PriceBook("EUR", {}, (plan_late, tie))
    assert book.quote("SKU-A1", SESSION, T0).unit_price == Decimal("14.00")  # type: ignore[union-attr]
    assert book.quote("SKU-B2", SESSION, T0) is None


def test_a_session_price_window_must_be_a_window() -> None:
    with pytest.raises(ValidationError, match="valid_until must be after valid_from"):
        session_price("1", valid_until=T0 - timedelta(hours=1))
    with pytest.raises(ValidationError):
        session_price("0")
