"""The demo's player lines against an in-process moto: a buyer's arm, then recommendations without and
with consent; the report names no viewer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from livebase.stores.orders import OrderStore
from livebase_local.commands.demo_player import player_demo
from tests.support.orders import placed
from tests.support.player import eu_player_market

BUYER = "v_b000000000000001"


def test_the_demo_shows_the_arm_and_recommendations_before_and_after_consent(aws: Any) -> None:
    resources = eu_player_market()
    orders = OrderStore.for_market(resources)
    when = datetime.now(UTC) - timedelta(hours=1)
    for n, sku in enumerate(("EU-20003", "EU-10001")):
        orders.save(
            placed(f"o-demo-{n:04d}", when, (sku, 1, "10.00")).model_copy(update={"viewer_id": BUYER}), "placed"
        )

    report = player_demo(resources)

    lines = report.splitlines()
    assert len(lines) == 3 and BUYER not in report
    assert "arm A (room " in lines[0] or "arm B (room " in lines[0]
    assert "(lineup: no personalisation consent): EU-10000, EU-10001" in lines[1]
    assert "after consent from the player (personal" in lines[2] and lines[2].endswith(
        "EU-10001, EU-20003, EU-10000, EU-10002, EU-10003"
    )
