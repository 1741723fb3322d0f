"""One order's whole journey on the local AWS, each hop delivered twice, applied once.

order on the stream → reservation crossing the low mark → ``stock.low`` on the bus → the stack's
rule → replenish-signals queue → signal bridge → Prefect event → the deployment's trigger → the
``order-to-replenish`` run it created, executed → purchase order → ``PurchaseOrderCreated`` on the
supplier-orders queue → the (simulated) supplier → goods receipt on the goods-receipts queue → the
``receiving`` function → stock up (the low mark re-armed) → the next crossing cues the room again;
and the same order through the WMS: pick/pack hand-off → picked → shipped.

Every hop is delivered twice: the order record twice on the stream, the ``stock.low`` message twice
to the bridge (two Prefect events), every run the trigger made executed, the supplier's message
twice (two identical receipts), the room-cue event twice, the pick/pack message twice.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from livebase.live.events import OrderLine, OrderPlaced
from livebase.stores.order_table import order_model, order_record
from livebase.stores.orders import WMS_SHIPPED, OrderStore
from livebase.stores.purchase_orders import RECEIVED, PurchaseOrderStore
from livebase_local.platform import queue_consumers
from livebase_local.runner.bus_targets import BusTargets
from livebase_local.runner.recorded_cues import recorded_cues
from livebase_local.runner.sources import EventSources
from livebase_local.simulator.stock import seed_stock, stock_store
from livebase_local.simulator.supplier import deliver_purchase_orders
from livebase_local.simulator.wms import acknowledge_pick_packs
from tests.support.local_aws import LocalAwsStack
from tests.support.pipeline import drain_queue, merge_catalogue, open_pipeline, order, unique

pytestmark = pytest.mark.slow

MARKET, WAREHOUSE, ROOM = "sea", "WH-SEA-1", "sea-room-journey"
LOW_MARK = 100  # sea's low-stock mark (cdk.json alerts)


def _history(resources: Any, sku: str, per_day: int, days: int = 28) -> None:
    """Past sales of the SKU, so the run's demand is about ``per_day`` a day."""
    model = order_model(resources.orders_table, resources.region)
    start = datetime.now(UTC) - timedelta(hours=2)
    for day in range(1, days + 1):
        order_id = f"ord-jrn-hist-{sku}-{day:02d}"
        order_record(model, OrderPlaced(
            event_id=f"evt-{order_id}", type="order_placed", market=MARKET, room_id="r", session_id="s",
            ts=start - timedelta(days=day), viewer_id="v_00112233445566778899", order_id=order_id,
            currency="SGD", lines=(OrderLine(sku=sku, quantity=per_day, unit_price=Decimal("9.90")),),
        )).save()  # fmt: skip


def _runs_of(deployment_id: Any, at_least: int, timeout: float) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    runs: list[Any] = []
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
            )
            if len(runs) >= at_least:
                break
            time.sleep(1)
    return runs


def _cues(resources: Any, sku: str) -> list[int]:
    return sorted(c["metadata"]["units"] for c in recorded_cues(resources) if c["metadata"]["sku"] == sku)


def test_one_order_through_every_hop_each_delivered_twice(local_aws: LocalAwsStack, prefect_harness: None) -> None:
    from prefect.flow_engine import run_flow

    from flows.order_to_replenish import order_to_replenish
    from flows.signal_bridge import SignalBridge
    from flows.triggers import stock_low_trigger

    pipe = open_pipeline(local_aws, MARKET)
    resources, deployment = pipe.resources, local_aws.deployments[MARKET]
    sqs = boto3.client("sqs", region_name=resources.region)
    cue_function = BusTargets.load([(resources, deployment)], local_aws.assembly_dir)
    cue_function.drain()
    queue_functions = EventSources(queue_consumers(deployment, resources)[0])  # receiving, fulfilment
    queue_functions.drain(timeout=60)
    bridge = SignalBridge({MARKET: resources})
    while bridge.poll_once():  # what earlier tests left: forwarded before our deployment exists
        pass

    tag = uuid.uuid4().hex[:8].upper()
    sku, supplier = f"SKU-JRN-{tag}", f"SUP-JRN-{tag}"
    merge_catalogue(  # Livebase prices the order from it (issue 28): the SKU's list price is the client's
        resources,
        [{"sku": sku, "supplier_id": supplier, "unit_cost": "2.50", "sku_class": "A", "list_price": "9.90"}],
        [{"supplier_id": supplier, "lead_time_mean_days": 5, "lead_time_std_days": 1}],
    )
    _history(resources, sku, per_day=40)
    seed_stock(resources, {sku: LOW_MARK + 3})
    runner_deployment: Any = order_to_replenish.to_deployment(name=f"journey-{tag}", triggers=[stock_low_trigger()])
    deployment_id = runner_deployment.apply()
    time.sleep(2)  # the server loads new automations on a short cycle

    # 1. The order, twice on the stream: one reservation, crossing the low mark.
    order_id = unique("ord-jrn")
    placed = order(order_id, room_id=ROOM, lines=[{"sku": sku, "quantity": 5, "unit_price": "9.90"}])
    pipe.send([placed, placed])
    stock = stock_store(resources).get(sku, WAREHOUSE)
    assert stock is not None and stock.available == LOW_MARK - 2
    orders = OrderStore.for_market(resources)
    record = orders.get(order_id)
    assert record is not None and record.status == "placed"

    # 2. stock.low reached the replenish-signals queue through the stack's rule; delivered twice.
    [signal] = [
        m for m in drain_queue(resources.replenish_signals_queue_url, resources.region) if m["detail"]["sku"] == sku
    ]
    assert signal["detail-type"] == "stock.low" and signal["detail"]["remaining"] == LOW_MARK - 2
    assert signal["detail"]["room_id"] == ROOM
    for _ in range(2):
        sqs.send_message(QueueUrl=resources.replenish_signals_queue_url, MessageBody=json.dumps(signal))
    while bridge.poll_once():
        pass
    assert bridge.forwarded["replenish_signals_queue_url"] >= 2

    # 3. The trigger made run(s) for sea; each is executed as a worker would.
    runs = _runs_of(deployment_id, at_least=1, timeout=60)
    assert runs, "no order-to-replenish run within 60 s of the stock.low events"
    time.sleep(3)
    runs = _runs_of(deployment_id, at_least=len(runs), timeout=1)
    assert 1 <= len(runs) <= 2 and all(run.parameters == {"markets": [MARKET]} for run in runs)
    for run in runs:
        run_flow(order_to_replenish, flow_run=run, parameters=run.parameters)

    # 4. One purchase order for the supplier, announced once, on the supplier channel.
    store = PurchaseOrderStore.for_market(resources)
    [po] = [p for p in store.open_orders(MARKET) if p["supplier"] == supplier]
    ordered = {line["sku"]: int(line["quantity"]) for line in po["lines"]}
    assert ordered[sku] > 0
    # (other tests' PO events on this queue are consumed here too: nothing else reads them after)
    announced = drain_queue(resources.supplier_orders_queue_url, resources.region)
    [event] = [e for e in announced if e["detail"]["supplier"] == supplier]
    assert event["detail"]["po_id"] == po["po_id"]

    # 5. The supplier's message delivered twice: two identical receipts, booked once.
    for _ in range(2):
        sqs.send_message(QueueUrl=resources.supplier_orders_queue_url, MessageBody=json.dumps(event))
    delivered = deliver_purchase_orders(resources, suppliers={supplier})
    assert delivered.receipts_sent == 2 and delivered.po_ids == [po["po_id"]] * 2
    counters = queue_functions.drain(timeout=120)
    booked = store.get(po["po_id"])
    assert booked is not None and booked["status"] == RECEIVED and booked["received"] == ordered
    assert booked["receipts"] == [f"RCV-{po['po_id']}"]
    restocked = stock_store(resources).get(sku, WAREHOUSE)
    assert restocked is not None and restocked.available == LOW_MARK - 2 + ordered[sku]

    # 6. The cue of the first crossing, once though its bus event came twice; the receipt re-armed the
    #    mark, so the next order that crosses it cues the room again.
    [target] = [r.target for r in cue_function.running if r.target.function_name.endswith("-room_cue")]
    sqs.send_message(QueueUrl=target.queue_url, MessageBody=json.dumps(signal))
    cue_function.drain()
    assert _cues(resources, sku) == [LOW_MARK - 2]
    # sea limits a viewer to 5 units of a SKU per session (issue 28): the room's other buyers take the
    # stock down to just above the mark, then one order crosses it, leaving LOW_MARK - 1.
    second_id = unique("ord-jrn")
    crossing = restocked.available - (LOW_MARK - 1)
    fillers = [min(5, crossing - 2 - done) for done in range(0, crossing - 2, 5)]
    pipe.send(
        [
            order(
                unique("ord-jrn-fill"),
                room_id=ROOM,
                viewer_id=f"v_{n:020x}",
                lines=[{"sku": sku, "quantity": units, "unit_price": "9.90"}],
            )
            for n, units in enumerate(fillers)
        ]
    )
    again = order(second_id, room_id=ROOM, lines=[{"sku": sku, "quantity": 2, "unit_price": "9.90"}])
    pipe.send([again, again])
    cue_function.drain()
    assert _cues(resources, sku) == [LOW_MARK - 2, LOW_MARK - 1]

    # 7. Pick and ship: the run handed the order to the WMS once; its message delivered twice.
    handed = [m for m in drain_queue(resources.wms_queue_url, resources.region) if m["order_id"] == order_id]
    assert len(handed) == 1 and "viewer_id" not in handed[0]
    for _ in range(2):
        sqs.send_message(QueueUrl=resources.wms_queue_url, MessageBody=json.dumps(handed[0]))
    assert acknowledge_pick_packs(resources).updates_sent == 6  # picked, shipped, delivered; twice
    counters = {**counters, **queue_functions.drain(timeout=120)}
    shipped = orders.get(order_id)
    assert shipped is not None and shipped.wms_status == WMS_SHIPPED and shipped.wms_picked_at is not None

    # Nothing lost on the way: no dead letters of ours, every delivery acknowledged.
    assert cue_function.dead_lettered == 0
    assert not [m for m in pipe.dead_letters() if order_id in json.dumps(m) or second_id in json.dumps(m)]
    assert drain_queue(resources.goods_receipts_dlq_url, resources.region) == []
    assert drain_queue(resources.shipment_updates_dlq_url, resources.region) == []
    for counter in counters.values():
        assert counter.failed == 0
