"""Per-viewer purchase limits (livebase.commerce.limits): the plan's value wins, the market's
otherwise; bought + requested <= limit per SKU; refusals name the limit."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from livebase.commerce.limits import (
    LIMIT_PREFIX,
    LIMIT_RESERVE_CONDITION,
    PurchaseLimit,
    SessionLimits,
    check_limits,
    limit_key,
    purchase_limit,
    requested_units,
)
from livebase.live.events import OrderLine
from livebase.markets.commerce_rules import CommerceRules

MARKET = CommerceRules(purchase_limit_per_sku_per_session=5)
UNLIMITED = CommerceRules()
PLAN = SessionLimits(session_id="eu-room-1-20261203", per_sku_per_viewer=3, skus={"SKU-FLASH": 1})


def test_the_plans_value_wins_where_set_then_the_markets() -> None:
    assert purchase_limit("SKU-FLASH", MARKET, PLAN) == PurchaseLimit(1, "session plan")
    assert purchase_limit("SKU-A1", MARKET, PLAN) == PurchaseLimit(3, "session plan")
    assert purchase_limit("SKU-A1", MARKET) == PurchaseLimit(5, "market")
    only_skus = SessionLimits(session_id="eu-room-1-20261203", skus={"SKU-FLASH": 2})
    assert purchase_limit("SKU-A1", MARKET, only_skus) == PurchaseLimit(5, "market")
    assert purchase_limit("SKU-A1", UNLIMITED) is None
    assert purchase_limit("SKU-FLASH", UNLIMITED, PLAN) == PurchaseLimit(1, "session plan")


def test_bought_plus_requested_within_the_limit_is_allowed() -> None:
    decision = check_limits({"SKU-A1": 2}, {"SKU-A1": 3}, MARKET)
    assert decision.allowed and decision.reason == ""
    assert decision.limited == {"SKU-A1": PurchaseLimit(5, "market")}


def test_a_refusal_names_the_sku_the_counts_and_the_limit() -> None:
    decision = check_limits({"SKU-A1": 1, "SKU-FLASH": 1}, {"SKU-FLASH": 1}, MARKET, PLAN)
    assert not decision.allowed
    assert decision.reason == (
        "SKU-FLASH: 1 bought in this session + 1 asked exceeds the limit of 1 per viewer (from the session plan)"
    )
    assert [check.allowed for check in decision.checks] == [True, False]


def test_no_limit_anywhere_allows_anything() -> None:
    decision = check_limits({"SKU-A1": 999}, {"SKU-A1": 10_000}, UNLIMITED)
    assert decision.allowed and decision.limited == {}


def test_an_orders_lines_of_one_sku_count_together() -> None:
    lines = [OrderLine(sku="SKU-A1", quantity=3, unit_price=Decimal(1)),
             OrderLine(sku="SKU-B2", quantity=1, unit_price=Decimal(1)),
             OrderLine(sku="SKU-A1", quantity=3, unit_price=Decimal(1))]  # fmt: skip
    assert requested_units(lines) == {"SKU-A1": 6, "SKU-B2": 1}
    assert "6 asked exceeds the limit of 5" in check_limits(requested_units(lines), {}, MARKET).reason


@given(st.integers(0, 20), st.lists(st.integers(1, 6), max_size=30), st.integers(1, 10))
def test_one_viewer_never_takes_more_than_the_limit(start: int, orders: list[int], limit: int) -> None:
    """Orders applied one after another, each only if allowed: the total bought stays within the limit."""
    rules = CommerceRules(purchase_limit_per_sku_per_session=limit)
    bought = min(start, limit)
    for units in orders:
        if check_limits({"SKU-A1": units}, {"SKU-A1": bought}, rules).allowed:
            bought += units
        assert bought <= limit


def test_the_counter_item_key_and_condition_for_the_store() -> None:
    key = limit_key("eu-room-1-20261203", "SKU-A1", "v_" + "a1" * 8)
    assert key == "LIM#eu-room-1-20261203#SKU-A1#v_a1a1a1a1a1a1a1a1" and key.startswith(LIMIT_PREFIX)
    assert ":room" in LIMIT_RESERVE_CONDITION
