"""Reads of a market's Forecasts table for order-to-replenish (see :class:`livebase.stores.forecasts.ForecastStore`)."""

from __future__ import annotations

from collections.abc import Sequence

from livebase.markets.resources import MarketResources
from livebase.stores.forecasts import ForecastStore, StoredRead


def read_stored(resources: MarketResources, skus: Sequence[str]) -> StoredRead:
    return ForecastStore.for_market(resources).read(skus)
