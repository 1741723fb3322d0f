"""`./livebase stock [--market M]`: a seeded supplier catalogue and the opening stock, booked into a
running `./livebase up` (the same booking `up` makes at start; the demo books the same stock).

Idempotent: a SKU already tracked is left as it is, an opening receipt already booked adds
nothing, a catalogue already in the market's lake is never replaced; the line printed says which.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from livebase.markets.config import load_markets, selling_markets
from livebase.markets.resources import MarketResources, lookup
from livebase_local.platform import attach_local_environment
from livebase_local.simulator.stock import book_opening


def deployed_markets(market_ids: list[str]) -> tuple[dict[str, MarketResources], list[str]]:
    """The resources of those of ``market_ids`` whose stack is deployed, and the ones that are not."""
    markets = load_markets()
    found, absent = {}, []
    for market_id in market_ids:
        try:
            found[market_id] = lookup(market_id, markets[market_id].region)
        except ClientError:
            absent.append(market_id)
    return found, absent


def run_stock(market_ids: list[str] | None) -> int:
    """Book for ``market_ids`` (default: every selling market `up` deployed); one line per market."""
    attach_local_environment()
    asked = market_ids or [m.id for m in selling_markets(load_markets())]
    found, absent = deployed_markets(asked)
    for resources in found.values():
        print(book_opening(resources).line())
    for market_id in absent:
        print(f"{market_id}: not deployed in this `up` (start it with `./livebase up --markets {market_id}`)")
    return 0 if found and (market_ids is None or not absent) else 1
