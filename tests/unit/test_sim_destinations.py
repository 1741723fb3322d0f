"""The simulated day's orders ship mostly home and otherwise to countries whose tax rule takes them
(livebase_local/simulator/destinations.py), the same for the same seed, and every one is taxable."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from livebase.markets.config import load_markets
from livebase.tax import TaxableLine, market_tax_table, quote_order
from livebase_local.simulator.records import generate_day

MARKETS = load_markets()


def orders(market_id: str, seed: int) -> list[dict[str, object]]:
    records = generate_day(MARKETS[market_id], seed, 0.02)
    return [body for r in records if r.kind == "order_placed" and (body := json.loads(r.data))]


def test_sea_orders_go_mostly_home_the_rest_where_a_rule_takes_them() -> None:
    placed = orders("sea", 3)
    where = Counter(str(o.get("destination", "home")) for o in placed)
    assert where["home"] + where["SG"] > 0.75 * len(placed)
    assert set(where) - {"home", "SG"} and set(where) <= {"home", "SG", "MY", "PH"}  # TH, ID, VN refuse
    assert [o.get("destination") for o in orders("sea", 3)] == [o.get("destination") for o in placed]


def test_every_simulated_order_of_every_market_is_decided_by_a_rule() -> None:
    day = datetime(2026, 11, 11, 12, tzinfo=UTC)
    for market_id in ("sea", "eu", "mena", "na"):
        table = market_tax_table(market_id)
        assert table is not None
        for body in orders(market_id, 1):
            lines = [
                TaxableLine(str(line["sku"]), int(line["quantity"]), Decimal(str(line["unit_price"])), "330410")
                for line in body["lines"]  # type: ignore[attr-defined]
            ]
            quote = quote_order(table, body.get("destination"), lines, day)  # type: ignore[arg-type]
            assert quote.accepted, (market_id, quote.refusal)
