"""The market's live room video: an IVS channel; MediaLive only where the market config asks.

MediaLive (broadcast-grade studio feeds) records an HLS rendition into the data lake's
``replays/`` prefix, which the edge distribution serves. A market with ``media_region`` (its home
Region offers neither) has no channel here: it is in its media stack (``infra_cdk/media_stack.py``),
and :class:`RemoteChannel` is what this stack knows of it (names only, no cross-Region token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import Annotations, Aws, CfnParameter, Stack, aws_medialive
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ivs as ivs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_cdk.nag import acknowledge_grant_put
from infra_cdk.scanners import ignore_cfn_lint
from livebase.studio.failover import BACKUP_ATTACHMENT

# Commercial Regions whose CloudFormation registry has the resource types (cfn-lint 1.58 region
# schemas, the same data CDK's built-in template validation warns from). tests/infra checks both.
IVS_REGIONS = frozenset(
    {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-northeast-2", "ap-south-1"}
)
MEDIALIVE_REGIONS = frozenset(
    {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-northeast-2", "ap-south-1",
     "ap-southeast-1", "ap-southeast-2", "sa-east-1"}
)  # fmt: skip

MARKET_TAG = "livebase:market"


def cue_channel_parameter(market_id: str) -> str:
    """The SSM parameter (in the media Region) naming the channel the room-cue function puts cues on."""
    return f"/livebase/{market_id}/media/cue-channel"


@dataclass(frozen=True)
class RemoteChannel:
    """The home stack's view of its IVS channel in the media stack, in another Region."""

    market_id: str
    region: str

    @property
    def parameter_name(self) -> str:
        return cue_channel_parameter(self.market_id)

    def parameter_arn(self, account: str) -> str:
        """The cue-channel parameter in the media Region; partition and (token) account from the deployment."""
        return f"arn:{Aws.PARTITION}:ssm:{self.region}:{account}:parameter{self.parameter_name}"

    def channels_arn(self, account: str) -> str:
        """Every IVS channel of the account in the media Region; grants narrow it by the market tag."""
        return f"arn:{Aws.PARTITION}:ivs:{self.region}:{account}:channel/*"


class LiveVideo(Construct):
    """IVS channel (low latency, standard); optional MediaLive input + channel."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        market_id: str,
        medialive: bool,
        replay_bucket: s3.IBucket,
        media_region: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region
        self.channel: ivs.CfnChannel | None = None
        self.medialive_channel: aws_medialive.CfnChannel | None = None
        self.remote = RemoteChannel(market_id, media_region) if media_region else None
        if self.remote is not None:  # served from the media stack; nothing of it here
            Annotations.of(self).add_info(f"live video of {market_id!r}: served from its media stack in {media_region}")
            return
        if region in IVS_REGIONS:
            self.channel = ivs.CfnChannel(
                self, "Channel", name=f"livebase-{market_id}-live", latency_mode="LOW", type="STANDARD"
            )
        else:  # deploying it would fail; a live room here needs another in-Region video path
            Annotations.of(self).add_warning_v2(
                "livebase:ivs-unavailable",
                f"Amazon IVS is not offered in {region}: market {market_id!r} gets no IVS channel. "
                "Keep video in-Region with MediaLive (medialive: true) or decide where it may run.",
            )
        if medialive and region not in MEDIALIVE_REGIONS:
            Annotations.of(self).add_error(f"market {market_id!r} asks for MediaLive, which {region} does not offer")
        elif medialive:
            self.medialive_channel = self._medialive(market_id, replay_bucket)

    def _medialive(self, market_id: str, bucket: s3.IBucket) -> aws_medialive.CfnChannel:
        studio_cidr = CfnParameter(
            self,
            "StudioCidr",
            description="CIDR of the studio encoder allowed to push RTMP (default: TEST-NET-1, i.e. nobody)",
            default="192.0.2.0/24",
            allowed_pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$",
        )
        security_group = aws_medialive.CfnInputSecurityGroup(
            self, "StudioOnly", whitelist_rules=[{"cidr": studio_cidr.value_as_string}]
        )
        # The studio's backup encoder pushes to the second input; a device.failover of the primary switches
        # the channel to it (livebase.studio.failover: an immediate input switch to the "studio-backup" attachment).
        studio_input, backup_input = (
            self._studio_input(construct_id, market_id, suffix, security_group)
            for construct_id, suffix in (("StudioInput", ""), ("StudioBackupInput", "-backup"))
        )
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("medialive.amazonaws.com"))
        bucket.grant_put(role, "replays/live/*")
        acknowledge_grant_put(role.node.find_child("DefaultPolicy"), bucket, "replays/live/*", "MediaLive")
        return aws_medialive.CfnChannel(
            self,
            "BroadcastChannel",
            name=f"livebase-{market_id}-broadcast",
            channel_class="SINGLE_PIPELINE",
            role_arn=role.role_arn,
            input_specification=_js({"codec": "AVC", "resolution": "HD", "maximum_bitrate": "MAX_10_MBPS"}),
            input_attachments=_js(
                [
                    {
                        "input_id": studio_input.ref,
                        "input_attachment_name": "studio",
                        "input_settings": {"audio_selectors": [{"name": "default"}]},
                    },
                    {
                        "input_id": backup_input.ref,
                        "input_attachment_name": BACKUP_ATTACHMENT,
                        "input_settings": {"audio_selectors": [{"name": "default"}]},
                    },
                ]
            ),
            destinations=[
                {
                    "id": "replays",
                    "settings": [{"url": f"s3ssl://{bucket.bucket_name}/replays/live/{market_id}/index"}],
                }
            ],
            encoder_settings=_js(_hls_720p()),
        )

    def _studio_input(
        self, construct_id: str, market_id: str, suffix: str, security_group: aws_medialive.CfnInputSecurityGroup
    ) -> aws_medialive.CfnInput:
        """An RTMP push input of the studio encoder (``suffix`` "-backup": its backup encoder)."""
        medialive_input = aws_medialive.CfnInput(
            self,
            construct_id,
            name=f"livebase-{market_id}-studio{suffix}",
            type="RTMP_PUSH",
            input_security_groups=[security_group.ref],
            destinations=[{"stream_name": f"livebase/{market_id}{suffix}"}],
        )
        ignore_cfn_lint(
            medialive_input, "E1041",
            "cfn-lint reads InputSecurityGroups as EC2 security group ids; MediaLive takes the ids of "
            "MediaLive input security groups, which is what the Ref of StudioOnly returns.",
        )  # fmt: skip
        return medialive_input


def _js(value: Any) -> Any:
    """Nested L1 props given as dicts must use the jsii (camelCase) names, or jsii drops them."""
    if isinstance(value, dict):
        return {re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), k): _js(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_js(v) for v in value]
    return value


def _hls_720p() -> dict[str, object]:
    """One 720p30 H.264 + AAC rendition as HLS: enough for replays, cheap to run."""
    return {
        "timecode_config": {"source": "SYSTEMCLOCK"},
        "audio_descriptions": [
            {
                "name": "audio_aac",
                "audio_selector_name": "default",
                "codec_settings": {
                    "aac_settings": {
                        "bitrate": 128000,
                        "coding_mode": "CODING_MODE_2_0",
                        "sample_rate": 48000,
                    }
                },
            }
        ],
        "video_descriptions": [
            {
                "name": "video_720p",
                "width": 1280,
                "height": 720,
                "codec_settings": {
                    "h264_settings": {
                        "bitrate": 3_000_000,
                        "rate_control_mode": "CBR",
                        "framerate_control": "SPECIFIED",
                        "framerate_numerator": 30,
                        "framerate_denominator": 1,
                        "gop_size": 2,
                        "gop_size_units": "SECONDS",
                    }
                },
            }
        ],
        "output_groups": [
            {
                "name": "replays",
                "output_group_settings": {
                    "hls_group_settings": {
                        "destination": {"destination_ref_id": "replays"},
                        "segment_length": 6,
                    }
                },
                "outputs": [
                    {
                        "output_name": "720p",
                        "video_description_name": "video_720p",
                        "audio_description_names": ["audio_aac"],
                        "output_settings": {
                            "hls_output_settings": {
                                "name_modifier": "_720p",
                                "hls_settings": {
                                    "standard_hls_settings": {
                                        "m3_u8_settings": {
                                            "audio_pids": "492-498",
                                            "video_pid": "481",
                                            # ID3 from the schedule (room cues: components/room_cues.py)
                                            "timed_metadata_behavior": "PASSTHROUGH",
                                            "timed_metadata_pid": "502",
                                        }
                                    }
                                },
                            }
                        },
                    }
                ],
            }
        ],
    }
