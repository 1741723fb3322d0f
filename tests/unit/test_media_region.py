"""The market config's ``media_region``: where a market's host video is served when its home Region
offers neither IVS nor MediaLive (mena). Validated at load time, naming the market and the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from livebase.markets.config import DEFAULT_CDK_JSON, MarketConfigError, load_markets, parse_markets


def table() -> dict[str, Any]:
    markets: dict[str, Any] = json.loads(DEFAULT_CDK_JSON.read_text())["context"]["markets"]
    return markets


def test_mena_serves_video_from_mumbai_and_the_others_at_home() -> None:
    markets = load_markets()
    assert markets["mena"].media_region == "ap-south-1"
    assert all(m.media_region is None for m in markets.values() if m.id != "mena")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("me-central-1", "media_region: .*market's own region"),
        ("ap-mars-1", "media_region: .*unknown AWS region"),
    ],
)
def test_a_bad_media_region_is_refused_naming_market_and_field(value: str, message: str) -> None:
    markets = table()
    markets["mena"]["media_region"] = value
    with pytest.raises(MarketConfigError, match=f"market 'mena': {message}"):
        parse_markets(markets)
