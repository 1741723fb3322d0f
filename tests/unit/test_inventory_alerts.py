"""Pure parts of inventory: crossing rules, cue text, event entries, presale planning."""

from __future__ import annotations

import json

import pytest

from livebase.commerce.inventory import (
    STOCK_LOW,
    STOCK_OUT,
    AlertLevel,
    StockItem,
    StockSignal,
    cue,
    level_for,
    plan,
    signal_for,
)
from livebase.commerce.inventory.alerts import CUES
from livebase.markets.config import load_markets
from livebase.signals import bus_entry


@pytest.mark.parametrize(
    ("sellable", "level"),
    [
        (101, AlertLevel.OK),
        (100, AlertLevel.LOW),
        (1, AlertLevel.LOW),
        (0, AlertLevel.OUT),
        (-1, AlertLevel.OUT),
    ],
)
def test_level_for_the_mark(sellable: int, level: AlertLevel) -> None:
    assert level_for(sellable, 100) is level


def test_only_downward_crossings_signal() -> None:
    assert signal_for(AlertLevel.OK, AlertLevel.LOW) == STOCK_LOW
    assert signal_for(AlertLevel.OK, AlertLevel.OUT) == STOCK_OUT
    assert signal_for(AlertLevel.LOW, AlertLevel.OUT) == STOCK_OUT
    assert signal_for(AlertLevel.LOW, AlertLevel.LOW) is None  # every order below the mark: silence
    assert signal_for(AlertLevel.OUT, AlertLevel.LOW) is None  # restock re-arms quietly
    assert signal_for(AlertLevel.LOW, AlertLevel.OK) is None


def test_cue_in_every_language_of_every_market() -> None:
    markets = load_markets()
    for market in markets.values():
        lines = cue(STOCK_LOW, 100, market.languages)
        assert set(lines) == set(market.languages)
        for language in market.languages:
            assert language in CUES, f"{market.id} speaks {language}, which has no cue"
            assert "100" in lines[language]


def test_cue_wording() -> None:
    assert cue(STOCK_LOW, 100, ["en", "de", "es"]) == {
        "en": "Only 100 left!",
        "de": "Nur noch 100 Stück!",
        "es": "¡Solo quedan 100!",
    }
    assert cue(STOCK_LOW, 1, ["en", "es"]) == {"en": "Only 1 left!", "es": "¡Solo queda 1!"}
    assert cue(STOCK_OUT, 0, ["fr", "ar"]) == {"fr": "Épuisé !", "ar": "نفدت الكمية!"}
    assert cue(STOCK_LOW, 7, ["xx"]) == {"xx": "Only 7 left!"}  # no translation held: English


def test_signal_entry_for_the_market_bus() -> None:
    item = StockItem(
        "SKU-LIP-01", "sea-sin-1", "sea", available=0, presale_cap=50, presale_left=40,
        expected_arrival="2026-12-05", alert=AlertLevel.LOW,
    )  # fmt: skip
    entry = bus_entry(StockSignal(STOCK_LOW, item, low_mark=100, room_id="room-7").to_signal(["en", "th"]), "bus-sea")
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "livebase.inventory",
        "stock.low",
        "bus-sea",
    )
    detail = {
        "sku": "SKU-LIP-01", "market": "sea", "warehouse": "sea-sin-1", "remaining": 40,
        "spot_remaining": 0, "presale_remaining": 40, "low_mark": 100,
        "cue": {"en": "Only 40 left!", "th": "เหลือเพียง 40 ชิ้นเท่านั้น!"},
        "expected_arrival": "2026-12-05", "room_id": "room-7",
    }  # fmt: skip
    assert entry["Detail"] == json.dumps(detail, ensure_ascii=False)  # the bytes the bus has always carried


def test_plan_takes_spot_first_then_presale() -> None:
    item = StockItem("SKU-A1", "w", "sea", available=3, presale_cap=5, presale_left=5)
    split = plan(item, 6)
    assert split is not None and (split.spot, split.presale) == (3, 3)
    only_spot = plan(item, 2)
    assert only_spot is not None and (only_spot.spot, only_spot.presale) == (2, 0)
    assert plan(item, 9) is None  # 3 spot + 5 presale = 8 sellable
    no_presale = StockItem("SKU-A2", "w", "sea", available=3)
    assert plan(no_presale, 4) is None
