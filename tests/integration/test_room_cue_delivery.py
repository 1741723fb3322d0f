"""Stock cues reach the live room on the local AWS: order on the stream → reservation crossing the
low mark → ``stock.low`` (naming the room) on the bus → the stack's room-cue rule → the room-cue
function (invoked in-process by ``livebase_local.runner.bus_targets``) → the cue, recorded where
the channel call would go (moto lacks IVS ``PutMetadata`` and MediaLive schedules)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from livebase.live.room_cues import CUE_TYPE
from livebase.markets.resources import MarketResources
from livebase_local.runner.bus_targets import BusTargets
from livebase_local.runner.recorded_cues import recorded_cues
from livebase_local.simulator.stock import seed_stock
from tests.support.catalogue import list_sku
from tests.support.local_aws import LocalAwsStack
from tests.support.pipeline import open_pipeline, order, unique

pytestmark = pytest.mark.slow


def _sku() -> str:
    return f"SKU-CUE-{uuid.uuid4().hex[:10].upper()}"


def _cues_for(resources: MarketResources, sku: str) -> list[dict[str, Any]]:
    return [c for c in recorded_cues(resources) if c["metadata"]["sku"] == sku]


def test_an_order_crossing_the_low_mark_cues_its_room_once_on_the_medialive_channel(local_aws: LocalAwsStack) -> None:
    sea = open_pipeline(local_aws, "sea")
    deployment = local_aws.deployments["sea"]
    targets = BusTargets.load([(sea.resources, deployment)], local_aws.assembly_dir)
    [target] = [r.target for r in targets.running if r.target.function_name.endswith("-room_cue")]
    assert target.function_name == "livebase-sea-room_cue" and target.dlq_url and target.attempts == 3
    targets.drain()  # what earlier tests' stock signals left for the function
    sku, order_id = _sku(), unique("ord-cue")
    seed_stock(sea.resources, {sku: 103})  # the sea low mark is 100
    list_sku(sea.resources, sku, "9.90")  # the orders consumer prices every line from the catalogue
    sea.send([order(order_id, room_id="sea-room-7", lines=[{"sku": sku, "quantity": 5, "unit_price": "9.90"}])])
    assert targets.drain() >= 1

    [cue] = _cues_for(sea.resources, sku)
    assert cue["room"] == "sea-room-7" and cue["service"] == "medialive"
    assert cue["metadata"] == {
        "type": CUE_TYPE, "room": "sea-room-7", "sku": sku, "level": "low", "units": 98,
        "text": {"en": "Only 98 left!", "ms": "Tinggal 98 sahaja!", "th": "เหลือเพียง 98 ชิ้นเท่านั้น!",
                 "id": "Tinggal 98 lagi!", "vi": "Chỉ còn 98 sản phẩm!"},
    }  # fmt: skip
    [channel] = [r for r in deployment.api_resources if r.resource_type == "AWS::MediaLive::Channel"]
    request = cue["request"]
    assert request["ChannelId"] == channel.physical_id
    [action] = request["Creates"]["ScheduleActions"]
    id3 = base64.b64decode(action["ScheduleActionSettings"]["HlsTimedMetadataSettings"]["Id3"])
    assert id3.startswith(b"ID3\x04") and cue["cue"].encode() in id3
    # moto's copy of the function holds the channel id resolved after the stack (not a placeholder)
    config = boto3.client("lambda", region_name="ap-southeast-1").get_function_configuration(
        FunctionName=target.function_name
    )
    assert config["Environment"]["Variables"]["CUE_CHANNEL"] == channel.physical_id

    # Delivered twice: the same bus event again (EventBridge is at least once), and the order record again.
    [signal] = [e for e in sea.emitted() if e["detail-type"] == "stock.low" and e["detail"]["sku"] == sku]
    sqs = boto3.client("sqs", region_name=sea.resources.region)
    sqs.send_message(QueueUrl=target.queue_url, MessageBody=json.dumps(signal))
    sea.send([order(order_id, room_id="sea-room-7", lines=[{"sku": sku, "quantity": 5, "unit_price": "9.90"}])])
    targets.drain()
    assert len(_cues_for(sea.resources, sku)) == 1
    assert targets.dead_lettered == 0


def test_ivs_markets_put_the_cue_on_their_ivs_channel(local_aws: LocalAwsStack) -> None:
    eu = open_pipeline(local_aws, "eu")
    deployment = local_aws.deployments["eu"]
    targets = BusTargets.load([(eu.resources, deployment)], local_aws.assembly_dir)
    targets.drain()
    sku = _sku()
    seed_stock(eu.resources, {sku: 1})
    list_sku(eu.resources, sku, "19.00")
    lines = [{"sku": sku, "quantity": 1, "unit_price": "19.00"}]
    eu.send([order(unique("ord-cue"), market="eu", currency="EUR", room_id="eu-room-1", lines=lines)])
    targets.drain()
    [cue] = _cues_for(eu.resources, sku)
    [channel] = [r for r in deployment.api_resources if r.resource_type == "AWS::IVS::Channel"]
    assert cue["service"] == "ivs" and cue["operation"] == "PutMetadata"
    assert cue["request"] == {"channelArn": channel.arn, "metadata": cue["cue"]}
    assert cue["metadata"]["level"] == "out" and cue["metadata"]["text"] == {
        "de": "Ausverkauft!", "fr": "Épuisé !", "en": "Sold out!"
    }  # fmt: skip


def test_a_signal_without_a_room_is_not_delivered_to_the_function(local_aws: LocalAwsStack) -> None:
    resources = local_aws.deployments["sea"].resources()
    targets = BusTargets.load([(resources, local_aws.deployments["sea"])], local_aws.assembly_dir)
    targets.drain()
    detail = {"sku": "SKU-NOROOM-1", "market": "sea", "warehouse": "WH-SEA-1", "remaining": 0, "cue": {"en": "x"}}
    boto3.client("events", region_name=resources.region).put_events(Entries=[{
        "Source": "livebase.inventory", "DetailType": "stock.out", "Detail": json.dumps(detail),
        "EventBusName": resources.event_bus_name,
    }])  # fmt: skip
    assert targets.pending() == 0  # the rule's detail.room_id "exists" pattern passed nothing


def test_a_planned_rooms_cue_goes_to_its_sessions_channel_an_unplanned_rooms_to_the_markets(
    local_aws: LocalAwsStack,
) -> None:
    from flows.session_channels import SessionChannels
    from livebase.signals import bus_entry
    from tests.support.signals import stock_low

    deployment = local_aws.deployments["eu"]
    resources = deployment.resources()
    targets = BusTargets.load([(resources, deployment)], local_aws.assembly_dir)
    targets.drain()
    start = datetime.now(UTC) + timedelta(days=2)
    room = f"eu-{uuid.uuid4().hex[:8]}-1"  # a planned session's room (its id)
    session = {"session_id": room, "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(),
               "video": ["ivs"], "split": None}  # fmt: skip
    channels = SessionChannels("eu", resources.region)
    [created] = channels.reconcile([session], datetime.now(UTC))  # the session-channels flow's step
    assert created.action == "created" and created.arn

    sku = _sku()
    events = boto3.client("events", region_name=resources.region)
    for room_id in (room, "eu-room-unplanned"):
        signal = stock_low(sku=sku, market="eu", warehouse="WH-EU-1", cue={"en": "Only 4 left!"}, room_id=room_id)
        events.put_events(Entries=[bus_entry(signal, resources.event_bus_name)])
    targets.drain()
    [market_channel] = [r for r in deployment.api_resources if r.resource_type == "AWS::IVS::Channel"]
    sent = {c["room"]: c["request"]["channelArn"] for c in _cues_for(resources, sku)}
    assert sent == {room: created.arn, "eu-room-unplanned": market_channel.arn}
    assert targets.dead_lettered == 0
    channels.reconcile([session], start + timedelta(hours=4))  # cleaned up: channel and record gone
