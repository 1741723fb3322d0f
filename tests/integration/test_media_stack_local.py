"""mena on the local AWS: its media stack deployed first in ap-south-1 (the IVS channel through the
IVS API, the parameter naming it through CloudFormation), then the home stack in me-central-1, whose
room-cue function reads the channel across Regions and cues it (recorded: moto lacks PutMetadata)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import boto3
import pytest

from infra_cdk.components.live_video import cue_channel_parameter
from livebase.markets.config import load_markets
from livebase_local.aws.deploy import MarketDeployment, deploy_assembly
from livebase_local.aws.moto_server import LocalAws
from livebase_local.runner.bus_targets import BusTargets
from livebase_local.runner.recorded_cues import recorded_cues

pytestmark = pytest.mark.slow
MENA = load_markets()["mena"]


@pytest.fixture(scope="module")
def mena(moto_server: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> tuple[MarketDeployment, Path]:
    from infra_cdk.app import build_app, synth_errors

    outdir = tmp_path_factory.mktemp("cdk.out.mena")
    errors = synth_errors(build_app(outdir=str(outdir), markets={"mena": MENA}).synth())
    assert not errors, errors
    return deploy_assembly(outdir, ["mena"])["mena"], outdir


def test_the_media_stack_is_deployed_first_in_its_region_with_the_channel(
    mena: tuple[MarketDeployment, Path],
) -> None:
    deployment, _ = mena
    media = deployment.media
    assert media is not None and media.region == "ap-south-1" and media.stack_name == "Livebase-mena-media"
    [channel] = [r for r in media.api_resources if r.resource_type == "AWS::IVS::Channel"]
    assert ":ap-south-1:" in channel.arn
    assert not [r for r in deployment.api_resources if r.resource_type == "AWS::IVS::Channel"]  # none at home
    ssm = boto3.client("ssm", region_name="ap-south-1")
    assert ssm.get_parameter(Name=cue_channel_parameter("mena"))["Parameter"]["Value"] == channel.arn
    assert set(media.stack_resource_types.values()) <= {"AWS::SSM::Parameter", "AWS::CDK::Metadata"}
    assert media.outputs["ChannelArn"] == channel.arn and media.outputs["PlaybackUrl"]


def test_a_stock_signal_for_a_mena_room_is_cued_on_the_channel_in_mumbai(mena: tuple[MarketDeployment, Path]) -> None:
    deployment, assembly = mena
    resources = deployment.resources()
    targets = BusTargets.load([(resources, deployment)], assembly)
    targets.drain()
    sku = f"SKU-MENA-{uuid.uuid4().hex[:8].upper()}"
    detail = {"sku": sku, "market": "mena", "warehouse": "WH-MENA-1", "remaining": 4, "spot_remaining": 4,
              "presale_remaining": 0, "low_mark": 100, "cue": {"ar": "بقي 4 فقط!", "en": "Only 4 left!"},
              "room_id": "mena-room-1"}  # fmt: skip
    boto3.client("events", region_name=resources.region).put_events(
        Entries=[{"Source": "livebase.inventory", "DetailType": "stock.low", "Detail": json.dumps(detail),
                  "EventBusName": resources.event_bus_name}]
    )  # fmt: skip
    assert targets.drain() >= 1
    assert deployment.media is not None
    [channel] = [r for r in deployment.media.api_resources if r.resource_type == "AWS::IVS::Channel"]
    [cue] = [c for c in recorded_cues(resources) if c["metadata"]["sku"] == sku]
    assert cue["service"] == "ivs" and cue["room"] == "mena-room-1"
    assert cue["request"] == {"channelArn": channel.arn, "metadata": cue["cue"]}
    assert cue["metadata"]["text"] == {"ar": "بقي 4 فقط!", "en": "Only 4 left!"}  # stock text, no viewer
    assert targets.dead_lettered == 0
