"""mena's live video from its media-only stack (infra_cdk/media_stack.py) in ap-south-1: what it holds,
the synth-time check that it holds no data store, how the home stack reaches the channel, and live
video in every selling market's app."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from infra_cdk.app import synth_errors
from infra_cdk.components.live_video import IVS_REGIONS, MEDIALIVE_REGIONS, cue_channel_parameter
from infra_cdk.media_aspect import media_only_problem
from infra_cdk.media_stack import MediaStack, media_stack_name
from livebase.markets.config import load_markets, selling_markets
from tests.infra.conftest import Synthesised
from tests.infra.stacks import runtime_parameter_values

MARKETS = load_markets()
MENA = MARKETS["mena"]
VIDEO_TYPES = ("AWS::IVS::Channel", "AWS::MediaLive::Channel")


def media_raw(synthesised: Synthesised) -> dict[str, Any]:
    return synthesised.assembly.get_stack_by_name(media_stack_name(MENA)).template


def without_market_config(resource: dict[str, Any]) -> dict[str, Any]:
    """A function's MARKET_CONFIG is the market's config (its media_region included), not a resource."""
    copy = json.loads(json.dumps(resource))
    copy.get("Properties", {}).get("Environment", {}).get("Variables", {}).pop("MARKET_CONFIG", None)
    return copy


def types(raw: dict[str, Any]) -> list[str]:
    return [r["Type"] for r in raw["Resources"].values()]


def test_mena_serves_video_from_the_nearest_region_with_ivs() -> None:
    assert MENA.region not in IVS_REGIONS | MEDIALIVE_REGIONS  # why it needs a media stack at all
    assert "me-south-1" not in IVS_REGIONS | MEDIALIVE_REGIONS  # Bahrain offers neither either
    assert MENA.media_region == "ap-south-1" and MENA.media_region in IVS_REGIONS


def test_the_media_stack_holds_the_channel_and_its_name_and_nothing_else(synthesised: Synthesised) -> None:
    stack = synthesised.assembly.get_stack_by_name(media_stack_name(MENA))
    assert stack.environment.region == "ap-south-1"
    raw = media_raw(synthesised)
    assert sorted(types(raw)) == ["AWS::IVS::Channel", "AWS::SSM::Parameter"]
    assert all(media_only_problem(t) is None for t in types(raw))
    template = Template.from_json(raw)
    template.has_resource_properties(
        "AWS::IVS::Channel",
        {"LatencyMode": "LOW", "Type": "STANDARD", "Tags": [{"Key": "livebase:market", "Value": "mena"},
                                                             {"Key": "livebase:role", "Value": "media-only"}]},
    )  # fmt: skip
    [channel] = [k for k, v in raw["Resources"].items() if v["Type"] == "AWS::IVS::Channel"]
    template.has_resource_properties(
        "AWS::SSM::Parameter", {"Name": cue_channel_parameter("mena"), "Value": {"Fn::GetAtt": [channel, "Arn"]}}
    )
    assert set(raw["Outputs"]) >= {"ChannelArn", "IngestEndpoint", "PlaybackUrl"}


def test_the_home_stack_reaches_only_its_channel_and_nothing_personal_crosses(synthesised: Synthesised) -> None:
    raw = synthesised.raw("mena")
    assert not [t for t in types(raw) if t in VIDEO_TYPES]
    [function] = [
        v for k, v in raw["Resources"].items() if v["Type"] == "AWS::Lambda::Function" and k.startswith("RoomCues")
    ]
    variables = function["Properties"]["Environment"]["Variables"]
    assert (variables["CUE_SERVICE"], variables["CUE_REGION"]) == ("ivs", "ap-south-1")
    assert variables["CUE_CHANNEL_PARAMETER"] == cue_channel_parameter("mena")
    [policy] = [v for k, v in raw["Resources"].items() if k.startswith("RoomCuesCuePolicy")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    partition, account = {"Ref": "AWS::Partition"}, {"Ref": "AWS::AccountId"}  # the deployment's, never baked in
    assert statements == [
        {"Action": "ssm:GetParameter", "Effect": "Allow", "Resource": {"Fn::Join": ["", [
            "arn:", partition, ":ssm:ap-south-1:", account, f":parameter{cue_channel_parameter('mena')}"]]}},
        {"Action": "ivs:PutMetadata", "Effect": "Allow",
         "Resource": {"Fn::Join": ["", ["arn:", partition, ":ivs:ap-south-1:", account, ":channel/*"]]},
         "Condition": {"StringEquals": {"aws:ResourceTag/livebase:market": "mena"}}},
    ]  # fmt: skip
    # The media Region appears only where the cue function is pointed at the channel and where the
    # flows' role may run the sessions' channels there: no table, bucket, stream or key of mena is
    # anywhere but me-central-1.
    # The runtime parameter holds the market config (media_region included) beside the resource names.
    names = {k: v for k, v in runtime_parameter_values(raw).items() if k != "MARKET_CONFIG"}
    assert "ap-south-1" not in json.dumps(names)
    mentions = [k for k, v in raw["Resources"].items() if "ap-south-1" in json.dumps(without_market_config(v))]
    elsewhere = ("FlowsRoleDefaultPolicy", "FlowsRoleOverflowPolicy", "RuntimeEnvironmentParameter")  # flows; config
    assert {k.startswith("RoomCues") for k in mentions if not k.startswith(elsewhere)} == {True}
    manifest = json.loads((synthesised.outdir / "manifest.json").read_text())
    assert media_stack_name(MENA) in manifest["artifacts"][MENA.stack_name]["dependencies"]  # deployed first


@pytest.mark.parametrize("market", selling_markets(MARKETS), ids=lambda m: m.id)
def test_every_selling_market_has_live_video(synthesised: Synthesised, market: Any) -> None:
    home = types(synthesised.raw(market.id))
    media = (
        types(synthesised.assembly.get_stack_by_name(media_stack_name(market)).template) if market.media_region else []
    )
    assert [t for t in home + media if t in VIDEO_TYPES]


def media_app(add: Callable[[MediaStack], object] | None = None, region: str = "ap-south-1") -> list[str]:
    """Synthesise a lone media stack for mena (with ``add`` put into it); its error annotations."""
    app = cdk.App()
    stack = MediaStack(app, "Test-media", market=MENA, env=cdk.Environment(account="000000000000", region=region))
    if add is not None:
        add(stack)
    return synth_errors(app.synth())


def test_the_check_passes_the_media_stack_as_built() -> None:
    assert media_app() == []


@pytest.mark.parametrize(
    "add",
    [
        lambda s: dynamodb.Table(
            s, "Chat", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
        ),
        lambda s: s3.Bucket(s, "Recordings"),
        lambda s: kinesis.Stream(s, "Events"),
        lambda s: sqs.Queue(s, "Payloads"),
    ],
    ids=["table", "bucket", "stream", "queue"],
)
def test_the_check_fails_synth_when_the_media_stack_holds_a_data_store(add: Callable[[MediaStack], object]) -> None:
    errors = media_app(add)
    assert errors and all("media-only" in e for e in errors)
    assert any("holds a data store" in e for e in errors)


def test_the_check_refuses_what_is_not_video_and_a_region_without_ivs() -> None:
    assert media_only_problem("AWS::Lambda::Function") is not None  # a decision, not an accident
    assert media_only_problem("AWS::IVSChat::Room") is not None  # chat stays at home
    errors = media_app(region="me-south-1")
    assert any("offers no IVS" in e for e in errors)
