"""Retention from the market config: validated bounds, TTL values, the lake's expiry rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from livebase.markets.config import MarketConfigError, load_markets, parse_markets
from livebase.privacy.retention import expires_at, lake_rules


def test_retention_is_validated_and_names_the_field() -> None:
    eu = load_markets()["eu"].model_dump(mode="json")
    eu["retention"] = {"orders_days": 5}
    with pytest.raises(MarketConfigError, match=r"market 'eu': retention.orders_days: .*greater than or equal to 30"):
        parse_markets({"eu": eu})
    eu["retention"] = {"quarantine_days": 30, "forever": True}
    with pytest.raises(MarketConfigError, match=r"retention.forever"):
        parse_markets({"eu": eu})


def test_every_selling_market_has_lake_rules_from_its_config_and_hq_none() -> None:
    markets = load_markets()
    eu = {rule.prefix: rule.days for rule in lake_rules(markets["eu"])}
    assert eu == {"quarantine/": 14, "recall/": 30, "erasure/": 1095}  # cdk.json: eu is stricter
    assert {rule.prefix: rule.days for rule in lake_rules(markets["sea"])}["quarantine/"] == 30
    assert lake_rules(markets["hq"]) == []


def test_expires_at() -> None:
    assert expires_at(datetime(2026, 1, 1, tzinfo=UTC), 1) == int(datetime(2026, 1, 2, tzinfo=UTC).timestamp())
    with pytest.raises(ValueError, match="at: needs a timezone"):
        expires_at(datetime(2026, 1, 1), 1)
