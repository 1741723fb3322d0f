"""Order risk: velocity, bulk rings and buy-and-cancel hold; a person's ordinary orders do not."""

from __future__ import annotations

import boto3
import pytest

from livebase.risk import OrderRisk
from livebase.risk.ring import SharedRingWindow
from tests.support.room_events import event, order


def test_an_ordinary_buyer_is_served() -> None:
    risk = OrderRisk()
    first = risk.assess(order(1, 0, "ord-000001", qty=1, viewer=1))  # type: ignore[arg-type]
    later = risk.assess(order(2, 900, "ord-000002", qty=2, viewer=1))  # type: ignore[arg-type]
    assert not first.hold and not later.hold and later.signals == ()


def test_fresh_accounts_buying_in_bulk_together_are_held_from_the_third_on() -> None:
    risk = OrderRisk()
    held = [risk.assess(order(10 + v, v * 5, f"ord-ring-{v:03d}", qty=4, viewer=100 + v)).hold for v in range(6)]  # type: ignore[arg-type]
    assert held == [False, False, True, True, True, True]


def test_velocity_and_cancels_weigh_on_the_next_order() -> None:
    risk = OrderRisk()
    assessments = [risk.assess(order(20 + i, i * 20, f"ord-fast-{i:03d}", qty=1, viewer=7)) for i in range(3)]  # type: ignore[arg-type]
    assert [a.hold for a in assessments] == [False, False, True]
    assert assessments[2].reason() == "risk velocity_2"
    risk.observe(event("order_cancelled", 40, 1000, viewer=8, order_id="ord-other-1"))  # type: ignore[arg-type]
    after_cancel = risk.assess(order(41, 1010, "ord-after-1", qty=3, viewer=8))  # type: ignore[arg-type]
    assert set(after_cancel.signals) == {"bulk", "cancels"} and not after_cancel.hold  # one cancel is no pattern
    again = risk.assess(order(42, 1030, "ord-after-2", qty=3, viewer=8))  # type: ignore[arg-type]
    assert again.hold and set(again.signals) == {"velocity_1", "bulk", "cancels"}


def test_a_redelivered_order_gets_the_same_answer() -> None:
    risk = OrderRisk()
    placed = order(50, 0, "ord-again-1", qty=1, viewer=9)
    assert risk.assess(placed) == risk.assess(placed) == risk.assess(placed)  # type: ignore[arg-type]


@pytest.mark.usefixtures("aws")
def test_a_ring_split_over_shards_is_seen_through_the_shared_window() -> None:
    """Each fresh account's orders reach its own container (the stream is partitioned by viewer): three
    containers, one window in the room-metrics table, and the third account of the ring is held."""
    table = boto3.resource("dynamodb", region_name="eu-central-1").create_table(
        TableName="room-metrics", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk")],
    )  # fmt: skip
    ring = [order(10 + v, v * 5, f"ord-ring-{v:03d}", qty=4, viewer=100 + v) for v in range(3)]
    containers = [OrderRisk(ring=SharedRingWindow(table)) for _ in range(3)]
    held = [c.assess(o) for c, o in zip(containers, ring, strict=True)]  # type: ignore[arg-type]
    assert [a.hold for a in held] == [False, False, True] and held[2].signals == ("bulk", "ring")
    alone = [OrderRisk() for _ in range(3)]  # each container's own memory: the ring is never seen
    unseen = [c.assess(o) for c, o in zip(alone, ring, strict=True)]  # type: ignore[arg-type]
    assert not any(a.hold for a in unseen)
    items = table.scan()["Items"]
    assert items and all(str(i["pk"]).startswith("RING#") and i["expires_at"] for i in items)
    assert not any("v_" in str(v) for i in items for v in i["viewers"])  # viewer keys (digests), never the ids
