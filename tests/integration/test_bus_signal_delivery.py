"""The market bus's rules, as deployed into the local AWS from the stack's template: each signal
put on the bus reaches its channel (supplier-orders queue, replenish-signals queue, ops topic)."""

from __future__ import annotations

import json
import uuid
from types import ModuleType
from typing import Any

import boto3
import pytest

from flows.signal_bridge import SignalBridge
from livebase.markets.resources import MarketResources
from livebase.signals import BusSignal, bus_entry
from livebase.signals.rooms import DETAIL_TYPES, ROOM_EVENT_SOURCE, ViewerDrop
from livebase.signals.stock import STOCK_EVENT_SOURCE, STOCK_LOW, STOCK_OUT
from livebase.signals.supply import PO_CREATED, PO_EVENT_SOURCE
from tests.support.local_aws import LocalAwsStack, stack_resource
from tests.support.pipeline import drain_queue
from tests.support.signals import purchase_order, stock_low, stock_out, viewer_drop

MARKET = "sea"


def put(resources: MarketResources, signal: BusSignal) -> None:
    put_entry(resources, bus_entry(signal, resources.event_bus_name))


def put_other(resources: MarketResources, source: str, detail_type: str, detail: dict[str, Any]) -> None:
    """An event of a detail-type no signal has: no rule matches it."""
    entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}
    put_entry(resources, {**entry, "EventBusName": resources.event_bus_name})


def put_entry(resources: MarketResources, entry: dict[str, Any]) -> None:
    response = boto3.client("events", region_name=resources.region).put_events(Entries=[entry])
    assert response["FailedEntryCount"] == 0, response


@pytest.fixture(scope="module")
def resources(local_aws: LocalAwsStack) -> MarketResources:
    return local_aws.deployments[MARKET].resources()


def test_the_stack_rules_are_on_the_bus_with_their_targets(resources: MarketResources) -> None:
    events = boto3.client("events", region_name=resources.region)
    sqs = boto3.client("sqs", region_name=resources.region)

    def targets_of(rule: str, pattern: dict[str, Any]) -> list[dict[str, Any]]:
        name = stack_resource(resources, rule, "AWS::Events::Rule").split("/")[-1]
        described = events.describe_rule(Name=name, EventBusName=resources.event_bus_name)
        assert json.loads(described["EventPattern"]) == pattern
        return events.list_targets_by_rule(Rule=name, EventBusName=resources.event_bus_name)["Targets"]

    queues = {
        "SignalsPurchaseOrdersToSuppliers": (PO_EVENT_SOURCE, [PO_CREATED], resources.supplier_orders_queue_url),
        "SignalsStockSignalsToReplenish": (
            STOCK_EVENT_SOURCE,
            [STOCK_LOW, STOCK_OUT],
            resources.replenish_signals_queue_url,
        ),
    }
    for rule, (source, detail_types, queue_url) in queues.items():
        [target] = targets_of(rule, {"source": [source], "detail-type": detail_types})
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        assert target["Arn"] == arn
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 185 and "DeadLetterConfig" in target
    alerts = {"source": [ROOM_EVENT_SOURCE], "detail-type": list(DETAIL_TYPES.values())}
    room_queue = sqs.get_queue_attributes(QueueUrl=resources.room_alert_signals_queue_url, AttributeNames=["QueueArn"])
    assert sorted(t["Arn"] for t in targets_of("SignalsRoomAlertsToOps", alerts)) == sorted(
        [stack_resource(resources, "SignalsOpsTopic", "AWS::SNS::Topic"), room_queue["Attributes"]["QueueArn"]]
    )


def test_purchase_order_and_stock_signals_reach_their_queues(resources: MarketResources) -> None:
    po_id = f"PO-{MARKET}-SUP-TEST-{uuid.uuid4().hex[:8]}"
    sku = f"SKU-SIGNAL-{uuid.uuid4().hex[:8]}"
    put(resources, purchase_order(po_id=po_id, market=MARKET, supplier="SUP-TEST", lines=[]))
    put(resources, stock_low(sku=sku, market=MARKET, remaining=3))
    put(resources, stock_out(sku=sku, market=MARKET))
    put_other(resources, STOCK_EVENT_SOURCE, "stock.restocked", {"sku": sku, "market": MARKET})  # matches no rule

    supplier = [m for m in drain_queue(resources.supplier_orders_queue_url, resources.region)]
    ours = [m for m in supplier if m["detail"].get("po_id") == po_id]
    assert len(ours) == 1
    assert (ours[0]["source"], ours[0]["detail-type"], ours[0]["detail"]["supplier"]) == (
        PO_EVENT_SOURCE,
        PO_CREATED,
        "SUP-TEST",
    )
    assert all(m["detail-type"] == PO_CREATED for m in supplier)
    signals = drain_queue(resources.replenish_signals_queue_url, resources.region)
    assert sorted(m["detail-type"] for m in signals if m["detail"].get("sku") == sku) == [STOCK_LOW, STOCK_OUT]
    assert {m["detail-type"] for m in signals} <= {STOCK_LOW, STOCK_OUT}


def test_the_local_bridge_forwards_from_the_stacks_queue(
    resources: MarketResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.triggers

    forwarded = recorded_forwards(monkeypatch, flows.triggers, "forward_stock_signal")
    sku = f"SKU-BRIDGE-{uuid.uuid4().hex[:8]}"
    put(resources, stock_low(sku=sku, market=MARKET, remaining=2))
    bridged(resources)
    assert [f["resource"]["livebase.sku"] for f in forwarded if f["resource"]["livebase.sku"] == sku] == [sku]
    assert forwarded[-1]["event"] == flows.triggers.PREFECT_STOCK_LOW
    assert drain_queue(resources.replenish_signals_queue_url, resources.region) == []  # deleted once forwarded


def test_a_room_alert_reaches_prefect_through_the_stacks_queue(
    resources: MarketResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule → room-alert-signals queue → bridge → ``livebase.room.alert`` (what the automation expects)."""
    import flows.room_alerts

    forwarded = recorded_forwards(monkeypatch, flows.room_alerts, "forward_room_alert")
    room = f"room-{uuid.uuid4().hex[:8]}"
    alert = viewer_drop(market=MARKET, room_id=room, current_viewers=120)
    put(resources, alert)
    bridge = bridged(resources)
    ours = [f for f in forwarded if f["resource"]["livebase.room"] == room]
    assert [(f["event"], f["resource"]["livebase.alert.kind"], f["payload"]) for f in ours] == [
        (flows.room_alerts.PREFECT_ROOM_ALERT, "viewer_drop", alert.detail())
    ]
    assert bridge.forwarded.get("room_alert_signals_queue_url", 0) >= 1
    assert drain_queue(resources.room_alert_signals_queue_url, resources.region) == []


def recorded_forwards(monkeypatch: pytest.MonkeyPatch, module: ModuleType, forwarder: str) -> list[dict[str, Any]]:
    """What ``module.forwarder`` emits from now on: it still runs, its emit only records."""
    forwarded: list[dict[str, Any]] = []

    def emit(**event: Any) -> dict[str, Any]:
        forwarded.append(event)
        return event

    real = getattr(module, forwarder)
    monkeypatch.setattr(module, forwarder, lambda e, **kw: real(e, emit=emit, **kw))
    return forwarded


def bridged(resources: MarketResources) -> SignalBridge:
    """The local bridge over the market's queues, polled until they are empty."""
    bridge = SignalBridge({MARKET: resources})
    while bridge.poll_once():
        pass
    return bridge


def test_a_room_alert_reaches_the_ops_topic(resources: MarketResources) -> None:
    """moto delivers EventBridge → SNS with the local patch (livebase_local.aws.moto_delivery)."""
    sqs = boto3.client("sqs", region_name=resources.region)
    sns = boto3.client("sns", region_name=resources.region)
    topic = stack_resource(resources, "SignalsOpsTopic", "AWS::SNS::Topic")
    queue_url = sqs.create_queue(QueueName=f"ops-listener-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    room = f"room-{uuid.uuid4().hex[:8]}"
    put(resources, viewer_drop(room_id=room))
    put_other(resources, ROOM_EVENT_SOURCE, "Room something else", {"room_id": room})  # not an alert kind: no rule
    received = drain_queue(queue_url, resources.region)
    assert [(m["source"], m["detail-type"], m["detail"]["room_id"]) for m in received] == [
        (ROOM_EVENT_SOURCE, ViewerDrop.DETAIL_TYPE, room)
    ]
