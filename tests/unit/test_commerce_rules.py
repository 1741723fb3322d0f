"""A market's commerce rules (livebase.markets.commerce_rules): defaults, validation, cdk.json values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from livebase.markets.commerce_rules import DEFAULT_RETURN_WINDOW_DAYS, CommerceRules
from livebase.markets.config import MarketConfigError, load_markets, parse_markets

MINIMAL = {
    "name": "Test", "region": "eu-central-1", "currency": "EUR", "languages": ["de"], "time_zone": "Europe/Berlin",
    "residency": "strict", "edge_locations": ["FRA"],
}  # fmt: skip


def test_a_market_that_says_nothing_gets_the_defaults() -> None:
    market = parse_markets({"eu": MINIMAL})["eu"]
    assert market.commerce == CommerceRules()
    assert market.commerce.return_window_days == DEFAULT_RETURN_WINDOW_DAYS == 14
    assert market.commerce.price_policy == "refuse" and not market.commerce.refund_without_return
    assert market.commerce.purchase_limit_per_sku_per_session is None


def test_the_return_window_may_not_be_shorter_than_the_law() -> None:
    with pytest.raises(ValidationError, match="shorter than the market's statutory withdrawal period"):
        CommerceRules(return_window_days=7, statutory_withdrawal_days=14)
    with pytest.raises(MarketConfigError, match=r"market 'eu': commerce"):
        parse_markets({"eu": {**MINIMAL, "commerce": {"return_window_days": 7, "statutory_withdrawal_days": 14}}})


@pytest.mark.parametrize(
    "bad",
    [
        {"price_policy": "ask"},
        {"purchase_limit_per_sku_per_session": 0},
        {"return_window_days": -1},
        {"refund_without_return": "sometimes"},
        {"unknown": 1},
    ],
)
def test_bad_values_are_refused_with_the_field_named(bad: dict[str, object]) -> None:
    field = next(iter(bad))
    with pytest.raises(MarketConfigError, match=rf"commerce\.{field}"):
        parse_markets({"eu": {**MINIMAL, "commerce": bad}})


def test_every_selling_market_in_cdk_json_says_how_it_sells() -> None:
    markets = load_markets()
    eu = markets["eu"].commerce
    assert eu.return_window_days >= 14 and eu.statutory_withdrawal_days == 14  # the EU's right of withdrawal
    for market in markets.values():
        if market.holds_personal_data:
            assert market.commerce.purchase_limit_per_sku_per_session is not None, market.id
            assert market.commerce.return_window_days >= 7, market.id
    assert "commerce" in markets["sea"].handler_config_json()  # the orders consumer reads it at cold start
