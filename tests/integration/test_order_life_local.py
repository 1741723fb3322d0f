"""An order's whole life on the local AWS (issue 28): every path through the real consumers, each
message delivered twice and out of order where it can be; stock reconciles exactly.

Paths: ship (delivered before shipped), cancel before hand-off, return (one unit restocked, one
written off) and its refund, a refund without a return where the market does not allow one, the
purchase limit. A hostile client: a wrong price (repriced in sea), another viewer's cancel, a refund
above what was paid, the same order id with other content. Messages from the stream (orders,
cancels, return requests, refunds) and from the queues (the WMS's steps, received returns, ops'
refunds), as in the cloud.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from livebase.stores.orders import OrderStore
from livebase_local.platform import queue_consumers
from livebase_local.runner.sources import EventSources
from livebase_local.simulator.stock import seed_stock, stock_store
from tests.support.local_aws import LocalAwsStack
from tests.support.pipeline import TS, drain_queue, merge_catalogue, open_pipeline, order, unique

pytestmark = pytest.mark.slow

MARKET, WAREHOUSE, ROOM, OPENING = "sea", "WH-SEA-1", "sea-room-life", 20


def _viewer(n: int) -> str:
    return f"v_{uuid.uuid4().hex[:12]}{n:08x}"


def _live(kind: str, order_id: str, viewer: str, **fields: Any) -> bytes:
    body = {"event_id": unique(f"evt-{kind[:6]}"), "schema_version": 1, "type": kind, "market": MARKET,
            "room_id": ROOM, "session_id": "sess-life", "ts": TS, "viewer_id": viewer, "order_id": order_id,
            **fields}  # fmt: skip
    return json.dumps(body).encode()


def _step(order_id: str, status: str) -> str:
    at = datetime.now(UTC) - timedelta(minutes={"shipped": 30, "delivered": 20}[status])
    body = {"type": "shipment_update", "update_id": f"{order_id}-{status}", "order_id": order_id,
            "warehouse": WAREHOUSE, "status": status, "at": at.isoformat(), "carrier": "demo-post"}  # fmt: skip
    return json.dumps(body)


def test_every_path_twice_and_out_of_order_reconciles_stock(local_aws: LocalAwsStack) -> None:
    pipe = open_pipeline(local_aws, MARKET)
    resources = pipe.resources
    queues = EventSources(queue_consumers(local_aws.deployments[MARKET], resources)[0])
    queues.drain(timeout=60)
    sqs = boto3.client("sqs", region_name=resources.region)
    sku = f"SKU-LIFE-{uuid.uuid4().hex[:8].upper()}"
    seed_stock(resources, {sku: OPENING})
    merge_catalogue(resources, [{"sku": sku, "list_price": "9.90"}])

    def placed(order_id: str, viewer: str, units: int = 2, price: str = "9.90", session: str = "") -> bytes:
        changes: dict[str, Any] = {"room_id": ROOM, "viewer_id": viewer}
        if session:
            changes["session_id"] = session
        return order(order_id, lines=[{"sku": sku, "quantity": units, "unit_price": price}], **changes)

    def queued(queue_url: str, *bodies: str) -> None:
        for body in bodies:
            sqs.send_message(QueueUrl=queue_url, MessageBody=body)
        queues.drain(timeout=120)

    ids = {name: unique(f"ord-life-{name}") for name in ("ship", "cancel", "return", "refund", "cheap", "limit1",
                                                           "limit2")}  # fmt: skip
    viewers = {name: _viewer(n) for n, name in enumerate(ids)}
    viewers["limit2"] = viewers["limit1"]
    # 1. the orders, each twice; the limit's second order and the conflicting one after
    first = [placed(ids[n], viewers[n]) for n in ("ship", "cancel", "return", "refund")]
    first += [placed(ids["cheap"], viewers["cheap"], price="0.01"),
              placed(ids["limit1"], viewers["limit1"], units=3, session="sess-limit")]  # fmt: skip
    pipe.send([record for record in first for _ in range(2)])
    again = [placed(ids["limit2"], viewers["limit2"], units=3, session="sess-limit"),
             placed(ids["cheap"], viewers["cheap"], units=7)]  # same id, other content  # fmt: skip
    pipe.send([record for record in again for _ in range(2)])
    # 2. the warehouse: delivered before shipped, every step twice
    steps = [_step(ids["ship"], "delivered"), _step(ids["ship"], "shipped"), _step(ids["return"], "delivered"),
             _step(ids["refund"], "shipped")]  # fmt: skip
    queued(resources.shipment_updates_queue_url, *[s for s in steps for _ in range(2)])
    # 3. the stream: the buyer's cancel and return request, a stranger's cancel, a refund above what was paid
    live = [
        _live("order_cancelled", ids["cancel"], viewers["cancel"], reason="changed_mind"),
        _live("order_cancelled", ids["cheap"], viewers["ship"], reason="changed_mind"),
        _live("return_requested", ids["return"], viewers["return"], lines=[{"sku": sku, "quantity": 2}]),
        _live("refund", ids["return"], viewers["return"], amount="5000", currency="SGD"),
    ]
    pipe.send([record for record in live for _ in range(2)])
    # 4. the warehouse receives the return (twice); then refunds: Livebase's for the return, ops' without one
    received = json.dumps({
        "type": "return_received", "message_id": f"rma-{ids['return']}", "order_id": ids["return"],
        "warehouse": WAREHOUSE, "at": TS, "lines": [{"sku": sku, "sellable": 1, "written_off": 1}],
    })  # fmt: skip
    queued(resources.order_returns_queue_url, received, received)
    refunds = [
        {"type": "refund_requested", "message_id": f"rfd-{ids['return']}", "order_id": ids["return"], "at": TS,
         "requested_by": {"kind": "livebase"}, "currency": "SGD", "reason": "return_received"},
        {"type": "refund_requested", "message_id": f"rfd-{ids['refund']}", "order_id": ids["refund"], "at": TS,
         "requested_by": {"kind": "ops", "operator": "ops-sea-1"}, "currency": "SGD", "amount": "5.00",
         "reason": "goodwill"},
    ]  # fmt: skip
    queued(resources.order_returns_queue_url, *[json.dumps(r) for r in refunds for _ in range(2)])

    # Stock: on hand = opening - shipped (3 orders x 2) + restocked (1); reserved = the open orders (2 + 3).
    item = stock_store(resources).get(sku, WAREHOUSE)
    assert item is not None and (item.available + item.reserved, item.reserved) == (OPENING - 6 + 1, 5)
    states = {name: OrderStore.for_market(resources).read_state(order_id) for name, order_id in ids.items()}
    life = {name: (found[0].status, found[1].status.value) for name, found in states.items() if found}
    assert life == {
        "ship": ("placed", "delivered"), "cancel": ("cancelled", "cancelled"), "return": ("refunded", "refunded"),
        "refund": ("placed", "shipped"), "cheap": ("placed", "placed"), "limit1": ("placed", "placed"),
        "limit2": ("rejected", "rejected"),
    }  # fmt: skip
    record, state = states["cheap"] or (None, None)
    assert record is not None and state is not None
    assert record.total == "19.80" and [int(line.quantity) for line in record.lines] == [2]  # repriced; first kept
    assert any("only the order's own viewer" in d.reason for d in state.decisions)
    limit_record = states["limit2"]
    assert limit_record is not None and "exceeds the limit of 5 per viewer" in str(limit_record[0].reason)
    returned = states["return"]
    assert returned is not None and returned[1].lines[0].restocked == 1 and returned[1].lines[0].written_off == 1
    assert any("may give back at most 19.80" in d.reason for d in returned[1].decisions)  # the 5000 asked
    # Kept with their reasons: ops' refund without a return on the order-returns DLQ; nothing else dead-lettered.
    dead = drain_queue(resources.order_returns_dlq_url, resources.region)
    assert [d["message_id"] for d in dead] == [f"rfd-{ids['refund']}"]
    assert drain_queue(resources.shipment_updates_dlq_url, resources.region) == []
    assert not [m for m in pipe.dead_letters(resources.orders_dlq_url) if sku in json.dumps(m)]
