"""Trust and safety through the deployed market stack (issue 32): comments moderated by ingest, a ring held by orders.

The demo room's events (``livebase_local.commands.demo_trust``) go on sea's stream in the local AWS; the
event-source runner feeds both consumers as in ``livebase up``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from livebase.markets.config import load_markets
from livebase.risk.holds import HeldOrders
from livebase.stores.orders import OrderStore
from livebase.stores.room_metrics import RoomStore
from livebase_local.commands.demo_trust import RING_SKU, demo_records
from livebase_local.simulator.demo_orders import CATALOGUE
from livebase_local.simulator.stock import seed_stock
from tests.support.local_aws import LocalAwsStack
from tests.support.pipeline import Pipeline, merge_catalogue, open_pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sea(local_aws: LocalAwsStack) -> Iterator[Pipeline]:
    pipeline = open_pipeline(local_aws, "sea")
    seed_stock(pipeline.resources, {RING_SKU: 1_000}, receipt_prefix="trust")
    merge_catalogue(pipeline.resources, [{"sku": RING_SKU, "list_price": str(CATALOGUE[RING_SKU])}])
    yield pipeline


def test_abusive_comments_are_hidden_uncounted_and_the_ring_is_held(sea: Pipeline) -> None:
    run, now = uuid.uuid4().hex[:8], datetime.now(UTC).replace(microsecond=0)
    records = demo_records(load_markets()["sea"], run, now)
    sea.send([json.dumps(r).encode() for r in records])
    table = boto3.resource("dynamodb", region_name=sea.resources.region).Table(sea.resources.room_metrics_table)
    room = "sea-trust-demo"
    items = table.query(KeyConditionExpression=Key("pk").eq(f"ROOM#{room}") & Key("sk").begins_with("MOD#"))["Items"]
    reasons = sorted(str(i["reason"]) for i in items if str(i["event_id"]).startswith(f"ev-trust-{run}"))
    assert reasons == ["flooding"] * 3 + ["insult", "scam"]  # "buy buy buy" a third, fourth and fifth time
    assert all("Redress" in str(i["statement"]) for i in items)
    minutes = RoomStore(table).series(room, now - timedelta(minutes=1), now + timedelta(minutes=1))
    assert sum(m.comments for m in minutes) == 3 + 2  # the chat and the flooder's first two
    assert sum(m.hidden_comments for m in minutes) == 5
    held = [h for h in HeldOrders(table, "sea").pending() if h.order.order_id.startswith(f"ord-trust-{run}")]
    # the third and fourth fresh account to buy in bulk, in the order the shards delivered them
    assert len(held) == 2 and all(h.signals == ("bulk", "ring") for h in held)
    served = {f"ord-trust-{run}-{n}" for n in range(4)} - {h.order.order_id for h in held}
    assert all(OrderStore.for_market(sea.resources).get(order_id) is not None for order_id in served)
    assert all(OrderStore.for_market(sea.resources).get(h.order.order_id) is None for h in held)
