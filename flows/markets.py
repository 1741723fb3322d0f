"""What every flow shares: which markets a run covers, and where their resources are."""

from __future__ import annotations

from typing import Annotated

from prefect import task
from pydantic import Field

from livebase.markets.config import Market, load_markets, selling_markets
from livebase.markets.resources import MarketResources, lookup

MARKETS: dict[str, Market] = load_markets()
SELLING_MARKET_IDS: tuple[str, ...] = tuple(m.id for m in selling_markets(MARKETS))

# A market id, checked by the deployment's parameter schema, so the Prefect server refuses an
# unknown market with a readable reason before any run starts.
MarketId = Annotated[
    str,
    Field(
        pattern="^(" + "|".join(SELLING_MARKET_IDS) + ")$",
        description=f"one of the selling markets: {', '.join(SELLING_MARKET_IDS)}",
    ),
]
MarketSelection = Annotated[list[MarketId], Field(min_length=1, max_length=len(SELLING_MARKET_IDS))]


@task(name="resolve-market-resources", retries=2, retry_delay_seconds=5)
def resolve_market_resources(market_id: str) -> MarketResources:
    """The names of the market's resources, from its stack in its own region: once per flow run."""
    return market_resources(market_id)


def market_resources(market_id: str) -> MarketResources:
    """Names of a market's resources, read from its stack in its own region (one DescribeStacks).

    A flow resolves each market once per run and hands the :class:`MarketResources` to its tasks.
    """
    market = MARKETS[market_id]
    return lookup(market.id, market.region)
