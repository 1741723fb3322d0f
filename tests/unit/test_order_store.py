"""OrderStore on moto (in-process): saves, statuses, sales in a date range, the WMS claim protocol."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3

from livebase.commerce.wms_handoff import STALE_CLAIM, hand_off_orders
from livebase.replenishment.history import SaleLine, sale_lines
from livebase.stores.orders import WMS_SENDING, WMS_SENT, OrderStore
from tests.support.orders import NOW, placed

REGION = "ap-southeast-1"


def test_save_get_batch_get_and_status(store: OrderStore) -> None:
    store.save(placed("ord-o1", NOW, ("SKU-A", 2, "1.50")), "placed")
    store.save(placed("ord-o2", NOW, ("SKU-B", 1, "3")), "rejected")
    found = store.get("ord-o1")
    assert found is not None and found.status == "placed" and found.placed_at == NOW
    assert [(line.sku, int(line.quantity), line.unit_price) for line in found.lines] == [("SKU-A", 2, "1.50")]
    assert store.get("ord-missing") is None
    assert sorted(o.order_id for o in store.batch_get(["ord-o1", "ord-o2", "ord-missing", "ord-o1"])) == [
        "ord-o1",
        "ord-o2",
    ]
    assert store.set_status("ord-o1", "cancelled") is True
    assert store.get("ord-o1").status == "cancelled"  # type: ignore[union-attr]
    assert store.set_status("ord-missing", "refunded") is False  # tolerated, and nothing is created
    assert store.get("ord-missing") is None
    assert sorted(o.order_id for o in store.all_orders()) == ["ord-o1", "ord-o2"]


def test_status_counts_tell_how_orders_were_decided_by_id_prefix(store: OrderStore) -> None:
    store.save(placed("ord-run1-a", NOW, ("SKU-A", 1, "1")), "placed")
    store.save(placed("ord-run1-b", NOW, ("SKU-A", 1, "1")), "rejected")
    store.save(placed("ord-run2-a", NOW, ("SKU-A", 1, "1")), "placed")
    assert store.status_counts() == {"placed": 2, "rejected": 1}
    assert store.status_counts("ord-run1-") == {"placed": 1, "rejected": 1}
    assert store.status_counts("ord-none-") == {}


def test_placed_between_filters_status_and_utc_days_and_projects(store: OrderStore) -> None:
    store.save(
        placed("ord-in", datetime(2026, 11, 24, 23, 59, tzinfo=UTC), ("SKU-A", 2, "1.50"), ("SKU-B", 1, "4")), "placed"
    )
    store.save(placed("ord-first", datetime(2026, 11, 20, tzinfo=UTC), ("SKU-A", 1, "1.50")), "placed")
    store.save(placed("ord-end", datetime(2026, 11, 25, tzinfo=UTC), ("SKU-A", 5, "1.50")), "placed")  # end excluded
    store.save(placed("ord-early", datetime(2026, 11, 19, 23, 59, 59, tzinfo=UTC), ("SKU-A", 7, "1")), "placed")
    store.save(placed("ord-no", datetime(2026, 11, 22, tzinfo=UTC), ("SKU-A", 9, "1")), "rejected")
    orders = store.placed_between(date(2026, 11, 20), date(2026, 11, 25))
    assert all(o.viewer_id is None and o.order_id is None for o in orders)  # only what demand needs
    assert sorted(sale_lines(orders), key=lambda line: (line.day, line.sku)) == [
        SaleLine(date(2026, 11, 20), "SKU-A", 1, Decimal("1.50")),
        SaleLine(date(2026, 11, 24), "SKU-A", 2, Decimal("3.00")),
        SaleLine(date(2026, 11, 24), "SKU-B", 1, Decimal("4")),
    ]


def test_wms_claims_are_conditional_and_stale_ones_are_taken_over(store: OrderStore) -> None:
    store.save(placed("ord-o1", NOW, ("SKU-A", 1, "1")), "placed")
    store.save(placed("ord-o2", NOW, ("SKU-A", 1, "1")), "cancelled")
    due = store.due_for_wms(NOW, STALE_CLAIM)
    assert [o.order_id for o in due] == ["ord-o1"]
    assert store.claim_for_wms(due[0], NOW) is True
    assert store.claim_for_wms(due[0], NOW) is False  # another run read it unclaimed too: it loses
    assert store.due_for_wms(NOW + timedelta(minutes=1), STALE_CLAIM) == []  # a fresh claim is not due
    later = NOW + STALE_CLAIM + timedelta(seconds=1)
    (stale,) = store.due_for_wms(later, STALE_CLAIM)
    assert stale.wms_status == WMS_SENDING and stale.wms_claimed_at == NOW
    assert store.claim_for_wms(stale, later) is True  # taken over as read
    assert store.claim_for_wms(stale, later) is False  # the claim it read is gone
    store.mark_sent(["ord-o1"], later)
    record = store.get("ord-o1")
    assert record is not None and (record.wms_status, record.wms_sent_at) == (WMS_SENT, later)
    assert store.due_for_wms(later + timedelta(days=1), STALE_CLAIM) == []


def test_a_claim_in_the_iso_text_of_the_earlier_code_reads_and_is_taken_over(aws: Any, store: OrderStore) -> None:
    store.save(placed("ord-o1", NOW, ("SKU-A", 1, "1")), "placed")
    aws.update_item(
        TableName=store.model.Meta.table_name, Key={"order_id": {"S": "ord-o1"}},
        UpdateExpression="SET wms_status = :s, wms_claimed_at = :t",
        ExpressionAttributeValues={":s": {"S": "sending"}, ":t": {"S": NOW.isoformat()}},
    )  # fmt: skip
    later = NOW + STALE_CLAIM * 2
    (stale,) = store.due_for_wms(later, STALE_CLAIM)
    assert store.claim_for_wms(stale, later) is True


def test_hand_off_sends_each_due_order_once(aws: Any, store: OrderStore) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="wms")["QueueUrl"]
    for i in range(12):
        store.save(placed(f"ord-{i:02}", NOW, ("SKU-A", 1, "1")), "placed")
    assert sorted(hand_off_orders(store, sqs, queue, "WH-SEA-1", NOW)) == [f"ord-{i:02}" for i in range(12)]
    assert hand_off_orders(store, sqs, queue, "WH-SEA-1", NOW + timedelta(days=1)) == []
    message = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"][0]
    assert '"placed_at": "2026-11-25T12:00:00.000000+0000"' in message["Body"]  # the stored text, as before
