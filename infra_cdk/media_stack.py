"""``Livebase-<market>-media``: the host's live video for a market whose home Region offers none.

me-central-1 (mena) offers neither IVS nor MediaLive. The host's video is not viewer personal
data, so it may be served from the nearest Region that offers IVS: ap-south-1 (Mumbai), ~1,900 km
from Dubai, against ~4,800 km to eu-central-1 (Frankfurt); me-south-1 (Bahrain) offers neither
either. This stack holds the IVS channel and one SSM parameter naming it, nothing else: chat,
orders and metrics stay in the home stack, and :class:`~infra_cdk.media_aspect.MediaOnlyAspect`
fails synth on any data store here.

The home stack learns the channel by name, never by a cross-Region reference (which would need
custom resources writing into the home Region): :class:`RemoteChannel` is what it knows (the media
Region, the parameter's name, the market tag). Its room-cue function reads the parameter at cold
start and may put metadata only on IVS channels tagged with its market. Only stock text crosses.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, Aspects, CfnOutput, Stack, Tags
from aws_cdk import aws_ivs as ivs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra_cdk.components.live_video import IVS_REGIONS, MARKET_TAG, RemoteChannel
from infra_cdk.media_aspect import MediaOnlyAspect
from livebase.markets.config import Market


def media_stack_name(market: Market) -> str:
    return f"{market.stack_name}-media"


class MediaStack(Stack):
    """The market's IVS channel in its media Region, and the parameter naming it. No data store."""

    def __init__(self, scope: Construct, construct_id: str, *, market: Market, **kwargs: Any) -> None:
        tags = {MARKET_TAG: market.id, "livebase:role": "media-only"}
        super().__init__(scope, construct_id, tags={**tags, **kwargs.pop("tags", {})}, **kwargs)
        for key, value in tags.items():
            Tags.of(self).add(key, value)
        Aspects.of(self).add(MediaOnlyAspect(market.id))
        self.market = market
        self.channel: ivs.CfnChannel | None = None
        if self.region not in IVS_REGIONS:
            Annotations.of(self).add_error(
                f"market {market.id!r}: media_region {self.region} offers no IVS; "
                f"choose one of {', '.join(sorted(IVS_REGIONS))}"
            )
            return
        self.remote = RemoteChannel(market.id, self.region)
        self.channel = ivs.CfnChannel(
            self, "Channel", name=f"livebase-{market.id}-live", latency_mode="LOW", type="STANDARD"
        )
        ssm.StringParameter(
            self,
            "CueChannel",
            parameter_name=self.remote.parameter_name,
            string_value=self.channel.attr_arn,
            description=f"The IVS channel {market.id}'s room-cue function puts timed metadata on",
        )
        for key, value in {
            "ChannelArn": self.channel.attr_arn,
            "IngestEndpoint": self.channel.attr_ingest_endpoint,
            "PlaybackUrl": self.channel.attr_playback_url,
        }.items():
            CfnOutput(self, key, key=key, value=value)
