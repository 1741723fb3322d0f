"""The market table's deployment settings (``functions``, ``edge``): defaults, and refusals that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from livebase.markets.config import Market, MarketConfigError, parse_markets, read_json
from livebase.markets.config import cdk_json_path as config_path
from livebase.markets.deployment import DEFAULT_RESERVED, FunctionSettings

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8899-aabbccddeeff"


def na(**settings: Any) -> dict[str, Any]:
    return {"na": {**read_json(config_path())["context"]["markets"]["na"], **settings}}


def test_defaults_reserve_every_function_within_the_account_quota() -> None:
    settings = parse_markets(na())["na"].functions
    assert settings.vpc is False
    assert {name: settings.reserved_for(name) for name in DEFAULT_RESERVED} == DEFAULT_RESERVED
    assert sum(DEFAULT_RESERVED.values()) <= 900
    with pytest.raises(KeyError, match="add it to DEFAULT_RESERVED"):
        FunctionSettings().reserved_for("new_function")


@pytest.mark.parametrize(
    ("functions", "message"),
    [
        ({"reserved_concurrency": {"ingset": 5}}, r"functions.reserved_concurrency: .*unknown function \['ingset'\]"),
        ({"reserved_concurrency": {"receiving": 2}}, r"\['receiving'\] read SQS queues: reserve at least 5"),
        ({"reserved_concurrency": {"ingest": 800}}, r"reserves \d+ in all; Lambda keeps 100 .* at most 900"),
        ({"reserved_concurrency": {"ingest": 0}}, r"functions.reserved_concurrency.ingest"),
        ({"vpc": "sometimes"}, r"functions.vpc"),
        ({"nat": True}, r"functions.nat: Extra inputs"),
    ],
)
def test_bad_function_settings_are_refused_naming_the_field(functions: dict[str, Any], message: str) -> None:
    with pytest.raises(MarketConfigError, match=message):
        parse_markets(na(functions=functions))


@pytest.mark.parametrize(
    ("edge", "message"),
    [
        ({"domain_name": "replays.example.com"}, "domain_name and certificate_arn go together"),
        ({"domain_name": "Not A Host", "certificate_arn": CERTIFICATE}, "edge.domain_name: .*not a lower-case DNS"),
        ({"web_acl_arn": "arn:aws:wafv2:us-west-2:123456789012:regional/webacl/x/1"}, "edge.web_acl_arn: .*us-east-1"),
    ],
)
def test_bad_edge_settings_are_refused_naming_the_field(edge: dict[str, Any], message: str) -> None:
    with pytest.raises(MarketConfigError, match=message):
        parse_markets(na(edge=edge))


def test_handlers_never_see_the_deployment_settings() -> None:
    market = parse_markets(
        na(functions={"vpc": True}, edge={"domain_name": "r.example.com", "certificate_arn": CERTIFICATE})
    )
    seen = Market.model_validate_json(market["na"].handler_config_json())
    assert seen.functions == FunctionSettings() and seen.edge.domain_name is None
