"""The room-cue builder (livebase.live.room_cues), its channel adapters and the local recorder."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from livebase.commerce.inventory.alerts import StockSignal
from livebase.commerce.inventory.model import StockItem
from livebase.live.room_cues import (
    CUE_TYPE,
    MAX_METADATA_BYTES,
    IvsCues,
    MediaLiveCues,
    NotACue,
    RoomCue,
    cue_channel,
    cue_from_event,
    id3_txxx,
)
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase_local.runner.recorded_cues import RecordedCues, recorded_cues
from tests.support.signals import delivered

SEA_LANGUAGES = ["en", "ms", "th", "id", "vi"]


def _item(available: int) -> StockItem:
    return StockItem(sku="SKU-1", market="sea", warehouse="WH-SEA-1", available=available)


def _delivered(signal: StockSignal, event_id: str = "e-1") -> dict[str, Any]:
    """The event as EventBridge delivers the orders consumer's signal."""
    return delivered(signal.to_signal(SEA_LANGUAGES), event_id)


def test_a_low_signal_for_a_room_becomes_a_cue_in_the_market_languages() -> None:
    cue = cue_from_event(_delivered(StockSignal("stock.low", _item(3), 100, room_id="sea-room-2")))
    assert cue is not None and (cue.room_id, cue.sku, cue.level, cue.units) == ("sea-room-2", "SKU-1", "low", 3)
    payload = json.loads(cue.metadata())
    assert payload == {"type": CUE_TYPE, "room": "sea-room-2", "sku": "SKU-1", "level": "low", "units": 3,
                       "text": {"en": "Only 3 left!", "ms": "Tinggal 3 sahaja!", "th": "เหลือเพียง 3 ชิ้นเท่านั้น!",
                                "id": "Tinggal 3 lagi!", "vi": "Chỉ còn 3 sản phẩm!"}}  # fmt: skip
    assert set(payload) == {"type", "room", "sku", "level", "units", "text"}  # no viewer, order or price


def test_sold_out_and_signals_without_a_room() -> None:
    out = cue_from_event(_delivered(StockSignal("stock.out", _item(0), 100, room_id="r-1")))
    assert out is not None and (out.level, out.units, out.text["en"]) == ("out", 0, "Sold out!")
    assert cue_from_event(_delivered(StockSignal("stock.out", _item(0), 100))) is None  # no room: nothing to show
    assert cue_from_event({"source": "livebase.orders", "detail-type": "OrderPlaced", "detail": {}}) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"room_id": "has space"}, "detail.room_id"),
        ({"room_id": "a" * 65}, "detail.room_id"),
        ({"remaining": "3"}, "detail.remaining"),
        ({"remaining": True}, "detail.remaining"),
        ({"cue": {"english": "x"}}, "detail.cue"),
        ({"cue": {}}, "detail.cue"),
        ({"sku": None}, "detail.sku"),
    ],
)
def test_a_malformed_signal_is_refused_naming_the_field_not_the_value(change: dict[str, Any], field: str) -> None:
    event = _delivered(StockSignal("stock.low", _item(3), 100, room_id="sea-room-2"))
    event["detail"].update(change)
    with pytest.raises(NotACue) as refused:
        cue_from_event(event)
    assert str(refused.value).startswith(field) and "has space" not in str(refused.value)


def test_metadata_stays_within_1_kb_dropping_languages_from_the_last() -> None:
    text = {lang: "ä" * 120 for lang in ("en", "de", "fr", "es", "ms", "th")}
    cue = RoomCue("e", "eu", "r", "SKU-1", "low", 3, text)
    metadata = cue.metadata()
    assert len(metadata.encode()) <= MAX_METADATA_BYTES
    kept = json.loads(metadata)["text"]
    assert list(kept) == ["en", "de", "fr"]  # the market's first languages stay


def _frames(tag: bytes) -> tuple[str, str]:
    """Parse back one ID3v2.4 tag with one TXXX frame."""
    assert tag[:5] == b"ID3\x04\x00"

    def size(raw: bytes) -> int:
        return (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]

    assert size(tag[6:10]) == len(tag) - 10
    frame = tag[10:]
    assert frame[:4] == b"TXXX" and size(frame[4:8]) == len(frame) - 10
    body = frame[10:]
    assert body[0] == 3  # UTF-8
    description, value = body[1:].split(b"\x00", 1)
    return description.decode(), value.decode()


def test_id3_tag_carries_the_cue_in_a_txxx_frame() -> None:
    assert _frames(id3_txxx("stock_cue", '{"x":"เหลือ"}' * 20)) == ("stock_cue", '{"x":"เหลือ"}' * 20)


class _Client:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def put_metadata(self, **kwargs: Any) -> None:
        self.calls.append(("put_metadata", kwargs))

    def batch_update_schedule(self, **kwargs: Any) -> None:
        self.calls.append(("batch_update_schedule", kwargs))


CUE = RoomCue("evt-1", "sea", "sea-room-2", "SKU-1", "low", 3, {"en": "Only 3 left!"})


def test_ivs_adapter_puts_the_metadata_on_the_channel() -> None:
    client = _Client()
    sent = IvsCues(client, "arn:aws:ivs:eu-central-1:1:channel/abc").send(CUE)
    assert client.calls == [("put_metadata", {"channelArn": "arn:aws:ivs:eu-central-1:1:channel/abc",
                                              "metadata": CUE.metadata()})]  # fmt: skip
    assert sent == client.calls[0][1]


def test_medialive_adapter_schedules_one_immediate_id3_action() -> None:
    client = _Client()
    MediaLiveCues(client, "1234567").send(CUE)
    [(operation, request)] = client.calls
    assert operation == "batch_update_schedule" and request["ChannelId"] == "1234567"
    [action] = request["Creates"]["ScheduleActions"]
    assert action["ActionName"] == "stock_cue-evt-1"
    assert action["ScheduleActionStartSettings"] == {"ImmediateModeScheduleActionStartSettings": {}}
    id3 = base64.b64decode(action["ScheduleActionSettings"]["HlsTimedMetadataSettings"]["Id3"])
    assert _frames(id3) == ("stock_cue", CUE.metadata())


def test_the_requests_match_the_boto3_models() -> None:
    import botocore.session
    from botocore.validate import validate_parameters

    session = botocore.session.get_session()
    ivs = session.get_service_model("ivs").operation_model("PutMetadata").input_shape
    medialive = session.get_service_model("medialive").operation_model("BatchUpdateSchedule").input_shape
    validate_parameters(IvsCues(None, "arn:aws:ivs:eu-central-1:1:channel/abc").request(CUE), ivs)
    validate_parameters(MediaLiveCues(None, "1234567").request(CUE), medialive)


def test_cue_channel_by_service() -> None:
    class Session:
        def client(self, name: str) -> str:
            return name

    assert isinstance(cue_channel("ivs", "arn", Session()), IvsCues)
    assert isinstance(cue_channel("medialive", "1", Session()), MediaLiveCues)
    assert cue_channel("none", "", Session()).send(CUE) == {}
    with pytest.raises(ValueError, match="CUE_SERVICE"):
        cue_channel("youtube", "", Session())


class _S3:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_object(self, Bucket: str, Key: str, Body: bytes) -> None:
        self.objects[Key] = Body

    def get_paginator(self, name: str) -> Any:
        objects = self.objects

        class Paginator:
            def paginate(self, Bucket: str, Prefix: str) -> list[dict[str, Any]]:
                return [{"Contents": [{"Key": k} for k in sorted(objects) if k.startswith(Prefix)]}]

        return Paginator()

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        import io

        return {"Body": io.BytesIO(self.objects[Key])}


def test_recorded_cues_keep_every_send_as_its_own_object() -> None:
    s3 = _S3()
    recorder = RecordedCues(MediaLiveCues(None, "1234567"), s3, "lake", "sea")
    recorder.send(CUE)
    recorder.send(CUE)  # a second send is visible, never overwritten
    resources = MarketResources(market="sea", region="ap-southeast-1", **{f: "x" for f in OUTPUTS})
    resources = MarketResources(**{**resources.__dict__, "data_lake_bucket": "lake"})
    records = recorded_cues(resources, s3)
    assert len(records) == 2 and {r["room"] for r in records} == {"sea-room-2"}
    assert records[0]["operation"] == "BatchUpdateSchedule" and records[0]["metadata"]["units"] == 3
    assert all(key.startswith("cues/sea/sea-room-2/") for key in s3.objects)


def test_a_function_environment_naming_a_resource_created_after_the_stack_keeps_the_function() -> None:
    from livebase_local.aws.deploy import moto_resource_types
    from livebase_local.aws.template_transform import PENDING_PREFIX, transform_for_moto

    template = {"Resources": {
        "Channel": {"Type": "AWS::MediaLive::Channel", "Properties": {"RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Environment": {"Variables": {"CUE_CHANNEL": {"Ref": "Channel"}, "KEEP": {"Ref": "Role"}}}}},
        "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
            {"Resource": {"Fn::GetAtt": ["Channel", "Arn"]}}]}}},
    }}  # fmt: skip
    result = transform_for_moto(template, moto_resource_types(), {})
    kept = result.template["Resources"]
    assert kept["Fn"]["Properties"]["Environment"]["Variables"] == {
        "CUE_CHANNEL": f"{PENDING_PREFIX}Channel",
        "KEEP": {"Ref": "Role"},
    }
    assert result.pending_environment == {"Fn": ["Channel"]}
    assert "Policy" not in kept  # other referrers are still dropped, and reported
    assert {d.logical_id for d in result.dropped} == {"Channel", "Policy"}


class _Sqs:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: self.calls.append((name, kwargs))


def test_a_failing_bus_target_is_retried_then_dead_lettered_with_the_event() -> None:
    from livebase_local.runner.bus_targets import BusFunctionTarget, BusTargets, _Running

    target = BusFunctionTarget(
        market="sea", region="ap-southeast-1", rule_name="r", function_name="livebase-sea-room_cue",
        function_arn="arn:aws:lambda:ap-southeast-1:1:function:livebase-sea-room_cue", queue_url="invoke",
        dlq_url="dlq", attempts=3, max_event_age_seconds=300, timeout_seconds=10, memory_mb=256, environment={},
    )  # fmt: skip

    def failing(event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert context.get_remaining_time_in_millis() > 0
        raise RuntimeError("channel down")

    sqs = _Sqs()
    targets = BusTargets([])
    running = _Running(target, failing, sqs)
    from datetime import UTC, datetime

    event = {"id": "e-1", "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    for count in (1, 2, 3):
        message = {"Body": json.dumps(event), "ReceiptHandle": f"h{count}",
                   "Attributes": {"ApproximateReceiveCount": str(count)}}  # fmt: skip
        targets._handle(running, message)
    names = [name for name, _ in sqs.calls]
    assert names == ["change_message_visibility", "change_message_visibility", "send_message", "delete_message"]
    record = json.loads(sqs.calls[2][1]["MessageBody"])
    assert sqs.calls[2][1]["QueueUrl"] == "dlq" and record["requestPayload"] == event
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert (targets.failed, targets.dead_lettered, targets.invoked) == (3, 1, 0)

    sqs.calls.clear()
    stale = {"Body": json.dumps({"id": "e-2", "time": "2020-01-01T00:00:00Z"}), "ReceiptHandle": "h",
             "Attributes": {"ApproximateReceiveCount": "1"}}  # fmt: skip
    targets._handle(running, stale)  # older than the target's maximum event age: straight to the DLQ
    assert [name for name, _ in sqs.calls] == ["send_message", "delete_message"]
    assert json.loads(sqs.calls[0][1]["MessageBody"])["requestContext"]["condition"] == "EventAgeExceeded"


def test_the_sample_event_is_what_the_orders_consumer_puts_on_the_bus() -> None:
    from pathlib import Path

    sample = json.loads((Path(__file__).resolve().parents[2] / "events" / "eventbridge_stock_low.json").read_text())
    signal = StockSignal("stock.low", _item(3), 100, room_id="sea-room-2")
    assert set(sample["detail"]) == set(_delivered(signal)["detail"])
    assert sample["detail"]["cue"] == _delivered(signal)["detail"]["cue"]
    cue = cue_from_event(sample)
    assert cue is not None and (cue.room_id, cue.level, cue.units) == ("sea-room-2", "low", 3)
