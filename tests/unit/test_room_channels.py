"""A cue reaches its room's own channel: the session-channels flow records each planned room's channel
(an SSM parameter per room, on moto), the room-cue function's RoomChannels reads it (cached a minute)
and sends there; a room without a planned session gets the market's channel. Recorded locally."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from flows.session_channels import SessionChannels
from livebase.live.room_cues import (
    IVS,
    MEDIALIVE,
    IvsCues,
    MediaLiveCues,
    RoomChannel,
    RoomChannels,
    RoomCue,
    room_channel_parameter,
)
from livebase_local.runner.recorded_cues import RecordedCues
from tests.support.fake_kinesis import ManualClock

REGION = "eu-central-1"
START = datetime(2026, 12, 4, 18, tzinfo=UTC)
SESSION = {"session_id": "eu-20261204-1", "start": START.isoformat(), "end": (START + timedelta(hours=2)).isoformat(),
           "video": ["ivs", "medialive"], "split": None}  # fmt: skip
MARKET_CHANNEL = "arn:aws:ivs:eu-central-1:123456789012:channel/market"


def cue(room_id: str) -> RoomCue:
    return RoomCue("e-1", "eu", room_id, "SKU-1", "low", 3, {"en": "Only 3 left!"})


@pytest.fixture
def session(aws: Any) -> Any:
    return boto3.Session(region_name=REGION)


def test_room_parameters_name_only_rooms_a_parameter_can_hold() -> None:
    assert room_channel_parameter("eu", "eu-20261204-1-A") == "/livebase/eu/rooms/eu-20261204-1-A/channel"
    assert room_channel_parameter("eu", "room:7") is None  # a colon: no planned room has one
    with pytest.raises(ValueError, match="not a room channel record"):
        RoomChannel.from_json('{"service": "youtube", "channel": "x"}')


def test_the_channels_flow_records_each_rooms_channel_and_removes_it_when_cleaned(session: Any) -> None:
    ssm = session.client("ssm")
    channels = SessionChannels("eu", REGION, session.client("ivs"), session.client("medialive"), ssm)
    created = channels.reconcile([SESSION], START - timedelta(days=1))
    [ivs] = [a for a in created if a.service == IVS]
    name = "/livebase/eu/rooms/eu-20261204-1/channel"
    record = RoomChannel.from_json(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    assert record == RoomChannel(IVS, ivs.arn, "eu-20261204-1")  # IVS preferred, as the market's cues
    version = ssm.get_parameter(Name=name)["Parameter"]["Version"]
    channels.reconcile([SESSION], START - timedelta(minutes=10))  # again (started): nothing rewritten
    assert ssm.get_parameter(Name=name)["Parameter"]["Version"] == version
    channels.reconcile([SESSION], START + timedelta(hours=4))  # cleaned up: the record goes too
    assert ssm.get_parameters(Names=[name])["InvalidParameters"] == [name]
    channels.reconcile([SESSION], START + timedelta(hours=4, minutes=5))  # and again: nothing to remove


def test_a_medialive_only_room_records_its_channel_id(session: Any) -> None:
    ssm = session.client("ssm")
    split = {**SESSION, "video": ["medialive"], "split": {"rooms": ["eu-20261204-1-A", "eu-20261204-1-B"]}}
    actions = SessionChannels("eu", REGION, session.client("ivs"), session.client("medialive"), ssm).reconcile(
        [split], START - timedelta(days=1)
    )
    for action in actions:  # one room per experiment arm, each its own channel
        value = ssm.get_parameter(Name=f"/livebase/eu/rooms/{action.session_id}/channel")["Parameter"]["Value"]
        assert RoomChannel.from_json(value) == RoomChannel(MEDIALIVE, action.arn.rsplit(":", 1)[-1], "eu-20261204-1")


def test_a_planned_rooms_cue_goes_to_its_channel_an_unplanned_rooms_to_the_markets(session: Any) -> None:
    ssm, clock = session.client("ssm"), ManualClock()
    planned = RoomChannel(IVS, "arn:aws:ivs:eu-central-1:123456789012:channel/session", "eu-20261204-1")
    ssm.put_parameter(Name="/livebase/eu/rooms/eu-20261204-1/channel", Value=planned.to_json(), Type="String")
    market = IvsCues(session.client("ivs"), MARKET_CHANNEL)
    rooms = RoomChannels(market, "eu", ssm, session, clock=clock)
    assert rooms.request(cue("eu-20261204-1"))["channelArn"] == planned.channel
    assert rooms.request(cue("eu-room-7"))["channelArn"] == MARKET_CHANNEL  # no planned session
    assert rooms.route(cue("room:7")) is market  # a room no parameter can name
    ssm.delete_parameter(Name="/livebase/eu/rooms/eu-20261204-1/channel")
    assert rooms.request(cue("eu-20261204-1"))["channelArn"] == planned.channel  # cached for a minute
    clock.now += 61
    assert rooms.route(cue("eu-20261204-1")) is market  # cleaned up: the market's channel again
    medialive = RoomChannel(MEDIALIVE, "7654321", "eu-20261204-2")
    ssm.put_parameter(Name="/livebase/eu/rooms/eu-20261204-2/channel", Value=medialive.to_json(), Type="String")
    routed = rooms.route(cue("eu-20261204-2"))
    assert isinstance(routed, MediaLiveCues) and routed.request(cue("eu-20261204-2"))["ChannelId"] == "7654321"


def test_locally_the_cue_is_recorded_with_the_channel_it_went_to(session: Any) -> None:
    ssm = session.client("ssm")
    planned = RoomChannel(IVS, "arn:aws:ivs:eu-central-1:123456789012:channel/session", "eu-20261204-1")
    ssm.put_parameter(Name="/livebase/eu/rooms/eu-20261204-1/channel", Value=planned.to_json(), Type="String")
    s3 = session.client("s3")
    s3.create_bucket(Bucket="lake", CreateBucketConfiguration={"LocationConstraint": REGION})
    rooms = RoomChannels(IvsCues(session.client("ivs"), MARKET_CHANNEL), "eu", ssm, session)
    recorder = RecordedCues(rooms, s3, "lake", "eu")
    recorder.send(cue("eu-20261204-1"))
    recorder.send(cue("eu-room-7"))
    found = {}
    for item in s3.list_objects_v2(Bucket="lake", Prefix="cues/eu/")["Contents"]:
        body = json.loads(s3.get_object(Bucket="lake", Key=item["Key"])["Body"].read())
        found[item["Key"].split("/")[2]] = body["request"]["channelArn"]
    assert found == {"eu-20261204-1": planned.channel, "eu-room-7": MARKET_CHANNEL}
