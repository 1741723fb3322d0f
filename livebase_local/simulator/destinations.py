"""Day pass: where the simulated orders ship, so the soak and the demo exercise the tax rules (issue 33).

Most orders go home (without a destination, as the player sends them, or with the home country
named); the rest go abroad, to a country of the market's tax table (``livebase.tax``) whose rule
takes an order of that value on the simulated day, in equal shares (none: home). The simulated day
places orders, it does not test refusals (a day sent after ``up`` rejects none: tests/e2e); the
refusals are worked in tests/unit/test_tax_tables.py. From its own seeded stream: same seed, same
destinations; no other pass's draws move.
"""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
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

    def takes(country: str, value: Decimal) -> bool:
        rule = table.rule_for(country, options.day, value)
        return rule is not None and rule.regime != "refuse"

    digest = hashlib.sha256(f"{seed}:{market.id}:destinations".encode()).digest()  # model.seeded_random's recipe
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    for _, _, _, payload in rows:
        if payload.get("type") != "order_placed":
            continue
        draw = rng.random()
        if draw < UNNAMED_SHARE:
            continue
        value = sum((Decimal(str(line["unit_price"])) * int(line["quantity"]) for line in payload["lines"]), Decimal(0))
        open_to = [country for country in abroad if takes(country, value)]
        if draw < HOME_SHARE or not open_to:
            payload["destination"] = table.home
        else:
            share = (draw - HOME_SHARE) / (1 - HOME_SHARE)
            payload["destination"] = open_to[int(share * len(open_to)) % len(open_to)]
