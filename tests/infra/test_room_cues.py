"""Stock cues → the live room (infra_cdk/components/room_cues.py), on the synthesised templates:
the rule (stock signals naming a room), its Lambda target with retries and a DLQ, the function's
channel settings and the one grant on the market's channel."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Capture, Match

from infra_cdk.components.room_cues import CUE_MAX_EVENT_AGE, CUE_RETRY_ATTEMPTS
from livebase.markets.config import load_markets, selling_markets
from livebase.signals.stock import STOCK_EVENT_SOURCE, STOCK_LOW, STOCK_OUT
from tests.infra.conftest import Synthesised
from tests.infra.stacks import as_list, function_environment

SELLING = [m.id for m in selling_markets(load_markets())]
# market -> (CUE_SERVICE, the channel resource's type, the action granted on it)
VIDEO = {
    "eu": ("ivs", "AWS::IVS::Channel", "ivs:PutMetadata"),
    "na": ("ivs", "AWS::IVS::Channel", "ivs:PutMetadata"),
    "sea": ("medialive", "AWS::MediaLive::Channel", "medialive:BatchUpdateSchedule"),
    "mena": ("ivs", None, "ivs:PutMetadata"),  # its channel is in its media stack (test_media_stack.py)
}


def _one(raw: dict[str, Any], kind: str, prefix: str) -> str:
    [found] = [k for k, v in raw["Resources"].items() if v["Type"] == kind and k.startswith(prefix)]
    return found


def test_every_selling_market_has_its_video_in_the_table() -> None:
    assert set(VIDEO) == set(SELLING)


@pytest.mark.parametrize("market_id", SELLING)
def test_stock_signals_naming_a_room_go_to_the_room_cue_function(synthesised: Synthesised, market_id: str) -> None:
    template, raw = synthesised.template(market_id), synthesised.raw(market_id)
    function = _one(raw, "AWS::Lambda::Function", "RoomCuesFunction")
    dlq = _one(raw, "AWS::SQS::Queue", "RoomCuesDlq")
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": [STOCK_EVENT_SOURCE],
                "detail-type": [STOCK_LOW, STOCK_OUT],
                "detail": {"room_id": [{"exists": True}]},
            },
            "Targets": [
                {
                    "Arn": {"Fn::GetAtt": [function, "Arn"]},
                    "DeadLetterConfig": {"Arn": {"Fn::GetAtt": [dlq, "Arn"]}},
                    "RetryPolicy": {
                        "MaximumRetryAttempts": CUE_RETRY_ATTEMPTS,
                        "MaximumEventAgeInSeconds": CUE_MAX_EVENT_AGE.to_seconds(),
                    },
                    "Id": Match.any_value(),
                }
            ],
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com",
         "FunctionName": {"Fn::GetAtt": [function, "Arn"]}},
    )  # fmt: skip
    # the function's own failures: retried twice, then the same DLQ
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": function},
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [dlq, "Arn"]}}},
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}]}
    )


@pytest.mark.parametrize("market_id", SELLING)
def test_the_function_is_told_its_channel_and_may_call_only_it(synthesised: Synthesised, market_id: str) -> None:
    template, raw = synthesised.template(market_id), synthesised.raw(market_id)
    service, channel_type, action = VIDEO[market_id]
    function = _one(raw, "AWS::Lambda::Function", "RoomCuesFunction")
    variables = function_environment(raw, raw["Resources"][function]["Properties"])
    assert variables["CUE_SERVICE"] == service
    assert variables["IDEMPOTENCY_TABLE"] == {"Ref": _one(raw, "AWS::DynamoDB::Table", "TablesIdempotency")}
    policies = Capture()
    role = {"Ref": _one(raw, "AWS::IAM::Role", "RoomCuesRole")}
    template.has_resource_properties("AWS::IAM::Policy", {"Roles": [role], "PolicyDocument": policies})
    statements = policies.as_object()["Statement"]
    if channel_type is None:  # mena: the channel is read at cold start from the media stack's parameter
        assert variables["CUE_CHANNEL"] == "" and variables["CUE_CHANNEL_PARAMETER"]
        return
    channel = _one(raw, channel_type, "LiveVideo")
    expected = {"Fn::GetAtt": [channel, "Arn"]} if service == "ivs" else {"Ref": channel}
    assert variables["CUE_CHANNEL"] == expected
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {"PolicyName": Match.string_like_regexp("RoomCuesCuePolicy"),
         "PolicyDocument": {"Statement": [{"Action": action, "Effect": "Allow",
                                           "Resource": {"Fn::GetAtt": [channel, "Arn"]}}]}},
    )  # fmt: skip
    everything = [s for p in raw["Resources"].values() if p["Type"] == "AWS::IAM::Policy"
                  for s in p["Properties"]["PolicyDocument"]["Statement"]]  # fmt: skip
    listing = {"ivs:ListChannels", "medialive:ListChannels", "medialive:ListInputs"}  # the flow role: no scoping exists
    assert not [s for s in everything if s.get("Resource") == "*" and {
        a for a in as_list(s["Action"]) if a.startswith(("ivs:", "medialive:"))} - listing]  # fmt: skip
    assert statements  # the default policy: logs, X-Ray, the DLQ, the idempotency table and the key


def test_medialive_hls_passes_the_cue_id3_through(synthesised: Synthesised) -> None:
    raw = synthesised.raw("sea")
    channel = raw["Resources"][_one(raw, "AWS::MediaLive::Channel", "LiveVideo")]["Properties"]
    [group] = channel["EncoderSettings"]["OutputGroups"]
    [output] = group["Outputs"]
    m3u8 = output["OutputSettings"]["HlsOutputSettings"]["HlsSettings"]["StandardHlsSettings"]["M3u8Settings"]
    assert m3u8["TimedMetadataBehavior"] == "PASSTHROUGH" and m3u8["TimedMetadataPid"]


@pytest.mark.parametrize("market_id", SELLING)
def test_planned_rooms_channels_are_read_from_their_records_and_granted_by_the_markets_tag(
    synthesised: Synthesised, market_id: str
) -> None:
    raw = synthesised.raw(market_id)
    [policy] = [v for k, v in raw["Resources"].items()
                if v["Type"] == "AWS::IAM::Policy" and k.startswith("RoomCuesRoomChannelPolicy")]  # fmt: skip
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = {s["Action"] for s in statements}
    assert VIDEO[market_id][2] in actions and actions <= {
        "ssm:GetParameter", "ivs:PutMetadata", "medialive:BatchUpdateSchedule"
    }  # fmt: skip
    [read] = [s for s in statements if s["Action"] == "ssm:GetParameter"]
    assert f":parameter/livebase/{market_id}/rooms/*/channel" in json.dumps(read["Resource"])
    for statement in statements:
        if statement["Action"] != "ssm:GetParameter":  # channels made at run time: only the market's own
            assert statement["Condition"] == {"StringEquals": {"aws:ResourceTag/livebase:market": market_id}}
