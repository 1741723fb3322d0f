"""The demo's tax line (issue 33): one order's landed price as the orders consumer decided and stored it.

Read from the market's Orders table only (what the back end decided, never recomputed here): an
order shipped abroad if the day had one, else one to home; and how many orders the tax table
refused for their destination.
"""

from __future__ import annotations

from collections.abc import Sequence

from livebase.markets.resources import MarketResources
from livebase.stores.order_table import OrderRecord
from livebase.stores.orders import OrderStore


def landed_price_line(resources: MarketResources) -> str:
    """``landed price: ...`` for the report, or why there is none."""
    return landed_price_summary(OrderStore.for_market(resources).all_orders())


def landed_price_summary(orders: Sequence[OrderRecord]) -> str:
    """The report's line over the market's stored orders."""
    taxed = sorted((o for o in orders if o.landed_total), key=lambda o: (o.destination == _home(orders), o.order_id))
    refused = sum(1 for o in orders if o.status == "rejected" and "tax rule" in (o.reason or ""))
    tail = f"; {refused} refused for their destination" if refused else ""
    if not taxed:
        return f"landed price: no order taxed{tail}"
    o = taxed[0]
    return (
        f"landed price: {o.order_id} to {o.destination}: {o.landed_total} {o.currency} = {o.net_total} net + "
        f"{o.tax_total} tax + {o.duty_total} duty (rule {o.tax_rule}); {len(taxed)} orders taxed{tail}"
    )


def _home(orders: Sequence[OrderRecord]) -> str | None:
    """The destination most orders went to (the market's home on a simulated day)."""
    counts: dict[str, int] = {}
    for o in orders:
        if o.destination:
            counts[o.destination] = counts.get(o.destination, 0) + 1
    return max(counts, key=lambda c: counts[c]) if counts else None
