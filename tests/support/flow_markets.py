"""A flow's markets in the in-process moto: the resolve task returns resources made by the test, not a stack's."""

from __future__ import annotations

from types import ModuleType

import pytest

from livebase.markets.resources import MarketResources


def resolve_to(monkeypatch: pytest.MonkeyPatch, flow_module: ModuleType, resources: MarketResources) -> None:
    """``flow_module``'s ``resolve-market-resources`` task returns ``resources`` (no DescribeStacks)."""
    from prefect import task

    @task(name="resolve-market-resources")
    def resolve(market_id: str) -> MarketResources:
        return resources

    monkeypatch.setattr(flow_module, "resolve_market_resources", resolve)
