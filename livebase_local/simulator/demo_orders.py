"""A small, seeded stream of orders for the demo: valid orders, one duplicate, a few malformed."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from livebase.markets.config import Market
from livebase_local.simulator.pseudonyms import simulated_pseudonyms
from livebase_local.simulator.records import recent_day

CATALOGUE = {
    "SKU-LIP-001": Decimal("19.90"),
    "SKU-SERUM-07": Decimal("45.00"),
    "SKU-MASK-12": Decimal("12.50"),
    "SKU-TEA-330": Decimal("8.80"),
    "SKU-SCARF-21": Decimal("29.00"),
    "SKU-BAG-404": Decimal("89.00"),
}
# Opening stock per SKU: plenty, except one bag that sells out live (stock.low, stock.out, rejections).
OPENING_STOCK = {sku: 500 for sku in CATALOGUE} | {"SKU-BAG-404": 8}
MALFORMED = (
    b'{"type": "order_placed", "market": "%s"',  # truncated JSON
    b'{"event_id": "bad-00000001", "type": "order_placed", "market": "%s", "lines": []}',  # fields missing
    b'{"event_id": "bad-00000002", "type": "order_placed", "schema_version": 9, "market": "%s"}',
)


def seeded_orders(market: Market, count: int, seed: int, start: datetime | None = None) -> list[bytes]:
    """``count`` valid orders (one delivered twice) and one of each malformed record, shuffled."""
    rng = random.Random(f"{seed}:{market.id}")
    clock = start or datetime.combine(recent_day(), time(11), UTC)  # within the admission window
    pseudonymise = simulated_pseudonyms(seed, market.id)
    records: list[bytes] = []
    for number in range(count):
        skus = rng.sample(sorted(CATALOGUE), k=rng.randint(1, 3))
        order = {
            "event_id": f"evt-{market.id}-{seed}-{number:06d}",
            "schema_version": 1,
            "type": "order_placed",
            "market": market.id,
            "room_id": f"room-{market.id}-{rng.randint(1, 3)}",
            "session_id": f"sess-{clock:%Y%m%d}",
            "ts": (clock + timedelta(seconds=7 * number)).isoformat(),
            "viewer_id": pseudonymise(f"viewer-{rng.randint(1, count)}"),
            "order_id": f"ord-{market.id}-{seed}-{number:06d}",
            "currency": market.currency,
            "lines": [{"sku": sku, "quantity": rng.randint(1, 3), "unit_price": str(CATALOGUE[sku])} for sku in skus],
        }
        records.append(json.dumps(order).encode())
    if records:
        records.append(records[rng.randrange(len(records))])  # the producer retried: a duplicate
    records.extend(template % market.id.encode() for template in MALFORMED)
    rng.shuffle(records)
    return records
