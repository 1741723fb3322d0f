"""The room-cue function of a market whose video is in its media stack (mena): the channel is read
once from the SSM parameter the media stack writes in the media Region (moto in-process)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from infra_cdk.components.live_video import cue_channel_parameter
from livebase.live.room_cues import IVS, IvsCues, channel_setting, cue_channel


@mock_aws
def test_the_channel_is_read_from_the_media_regions_parameter() -> None:
    video = boto3.Session(region_name="ap-south-1")
    arn = video.client("ivs").create_channel(name="livebase-mena-live", latencyMode="LOW")["channel"]["arn"]
    video.client("ssm").put_parameter(Name=cue_channel_parameter("mena"), Value=arn, Type="String", Overwrite=True)

    setting = channel_setting("", cue_channel_parameter("mena"), video.client("ssm"))
    channel = cue_channel(IVS, setting, video)

    assert setting == arn and ":ap-south-1:" in arn
    assert isinstance(channel, IvsCues) and channel.client.meta.region_name == "ap-south-1"


def test_a_channel_the_stack_names_wins_and_a_parameter_needs_a_client() -> None:
    assert channel_setting("arn:aws:ivs:eu-central-1:1:channel/x", "/p", None) == "arn:aws:ivs:eu-central-1:1:channel/x"
    assert channel_setting("", "", None) == ""  # no video at all: the handler counts cues without video
    with pytest.raises(ValueError, match="CUE_CHANNEL_PARAMETER"):
        channel_setting("", "/livebase/mena/media/cue-channel", None)
