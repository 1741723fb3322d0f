"""The market table: the real cdk.json loads; every kind of bad table is refused clearly."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from livebase.markets.config import (
    CDK_JSON_ENV,
    MarketConfigError,
    ResidencyMode,
    find_hq_market,
    hq_market,
    load_markets,
    parse_markets,
    selling_markets,
)

GOOD: dict[str, Any] = {
    "sea": {
        "name": "South-East Asia",
        "region": "ap-southeast-1",
        "currency": "SGD",
        "languages": ["en", "ms"],
        "time_zone": "Asia/Singapore",
        "residency": "standard",
        "edge_locations": ["SIN"],
    }
}


def with_change(**fields: Any) -> dict[str, Any]:
    table = copy.deepcopy(GOOD)
    table["sea"].update(fields)
    return table


def test_project_config_has_the_required_markets() -> None:
    markets = load_markets()
    assert {"sea", "mena", "eu", "na", "hq"} <= set(markets)
    assert markets["sea"].region == "ap-southeast-1" and markets["sea"].currency == "SGD"
    assert set(markets["sea"].languages) >= {"en", "ms", "th", "id", "vi"}
    assert markets["mena"].region == "me-central-1" and markets["mena"].time_zone == "Asia/Dubai"
    assert {"alcohol", "pork"} <= set(markets["mena"].cultural_rules.banned_listing_categories)
    assert markets["eu"].residency is ResidencyMode.STRICT
    assert markets["na"].time_zone == "America/Los_Angeles" and markets["na"].currency == "USD"
    assert markets["hq"].residency is ResidencyMode.AGGREGATES_ONLY
    assert "hq" not in {m.id for m in selling_markets(markets)}
    assert markets["eu"].stack_name == "Livebase-eu"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"region": "eu-centrl-1"}, "unknown AWS region 'eu-centrl-1'"),
        ({"currency": "XXX"}, "currency 'XXX'"),
        ({"time_zone": "Mars/Olympus"}, "unknown IANA time zone"),
        ({"languages": ["english"]}, "ISO 639-1"),
        ({"languages": []}, "languages"),
        ({"residency": "lax"}, "residency"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_field_is_refused_naming_market_and_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(MarketConfigError, match="market 'sea'") as caught:
        parse_markets(with_change(**change))
    assert message in str(caught.value)


def test_missing_currency_is_refused() -> None:
    table = copy.deepcopy(GOOD)
    del table["sea"]["currency"]
    with pytest.raises(MarketConfigError, match=r"market 'sea': currency: Field required"):
        parse_markets(table)


def test_duplicate_market_in_file_is_refused(tmp_path: Path) -> None:
    body = json.dumps(GOOD["sea"])
    path = tmp_path / "cdk.json"
    path.write_text(f'{{"context": {{"markets": {{"sea": {body}, "sea": {body}}}}}}}')
    with pytest.raises(MarketConfigError, match="duplicate key 'sea'"):
        load_markets(path)


def test_missing_table_and_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MarketConfigError, match="not found"):
        load_markets(tmp_path / "absent.json")
    path = tmp_path / "cdk.json"
    path.write_text('{"context": {}}')
    with pytest.raises(MarketConfigError, match=r"no context\.markets"):
        load_markets(path)
    with pytest.raises(MarketConfigError, match="non-empty"):
        parse_markets({})


def test_two_aggregate_sinks_are_refused() -> None:
    table = with_change(residency="aggregates-only")
    table["hq2"] = {**table["sea"]}
    with pytest.raises(MarketConfigError, match="only one aggregates-only"):
        parse_markets(table)


def test_hq_is_the_one_aggregates_only_market() -> None:
    markets = load_markets()
    assert hq_market(markets).id == "hq" and find_hq_market(markets) == markets["hq"]
    selling_only = parse_markets(GOOD)
    assert find_hq_market(selling_only) is None
    with pytest.raises(MarketConfigError, match="no aggregates-only"):
        hq_market(selling_only)


def test_importing_the_config_does_not_look_for_cdk_json(tmp_path: Path) -> None:
    """A Lambda imports this module at cold start: the cdk.json constants wait until first read."""
    probe = (
        "import livebase.markets.config as c\n"
        "assert c._resolved_constants.cache_info().currsize == 0\n"
        "print(c.DEFAULT_CDK_JSON, c.PROJECT_ROOT)\n"
    )
    (tmp_path / "cdk.json").write_text("{}")
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True,
        env={k: v for k, v in os.environ.items() if k != CDK_JSON_ENV},
    )  # fmt: skip
    assert found.stdout.split() == [str(tmp_path.resolve() / "cdk.json"), str(tmp_path.resolve())]
