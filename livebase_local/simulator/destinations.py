"""Day pass: where the simulated orders ship, so the soak and the demo exercise the tax rules (issue 33).

Most orders go home (without a destination, as the player sends them, or with the home country
named); the rest go to the other countries of the market's tax table (``livebase.tax``), in
equal shares, including those the table refuses (an order there is rejected with the table's
reason). From its own seeded stream: same seed, same destinations; no other pass's draws move.
"""

from __future__ import annotations

import hashlib
import random
from typing import TYPE_CHECKING

from livebase.tax import market_tax_table

if TYPE_CHECKING:
    from livebase.markets.config import Market
    from livebase_local.simulator.model import SimOptions
    from livebase_local.simulator.passes import DayRows

UNNAMED_SHARE = 0.45  # orders without a destination (home)
HOME_SHARE = 0.85  # with the rest below this named home, above it abroad


def order_destinations(market: Market, seed: int, options: SimOptions, rows: DayRows) -> None:
    """Give each simulated ``order_placed`` its destination (in place)."""
    table = market_tax_table(market.id)
    if table is None:
        return
    abroad = sorted(country for country in table.destinations if country != table.home)
    digest = hashlib.sha256(f"{seed}:{market.id}:destinations".encode()).digest()  # model.seeded_random's recipe
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    for _, _, _, payload in rows:
        if payload.get("type") != "order_placed":
            continue
        draw = rng.random()
        if draw < UNNAMED_SHARE:
            continue
        if draw < HOME_SHARE or not abroad:
            payload["destination"] = table.home
        else:
            payload["destination"] = abroad[int((draw - HOME_SHARE) / (1 - HOME_SHARE) * len(abroad)) % len(abroad)]
