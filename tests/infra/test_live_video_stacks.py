"""The synthesised market stacks' live video and edge: channels per regional offer, the replay distribution."""

from __future__ import annotations

import json

import pytest

from infra_cdk.components.edge import OPT_IN_REGIONS
from infra_cdk.components.live_video import IVS_REGIONS
from tests.infra.stacks import MARKETS, SELLING, only, resources


@pytest.mark.parametrize("market_id", SELLING)
def test_live_video(synthesised, market_id: str) -> None:
    market = MARKETS[market_id]
    raw = synthesised.raw(market_id)
    channels = resources(raw, "AWS::IVS::Channel")
    if market.media_region:  # served from its media stack: nothing here (tests/infra/test_media_stack.py)
        assert channels == {} and resources(raw, "AWS::MediaLive::Channel") == {}
        return
    if market.region in IVS_REGIONS:
        ((_, channel),) = channels.items()
        assert channel["Properties"]["LatencyMode"] == "LOW"
        assert channel["Properties"]["Type"] == "STANDARD"
    else:  # IVS does not exist there: no channel that would fail to deploy, and a synth warning
        assert channels == {}
        warnings = [m.entry.data for m in synthesised.assembly.get_stack_by_name(market.stack_name).messages]
        assert any("IVS is not offered" in str(w) for w in warnings)
    medialive = resources(raw, "AWS::MediaLive::Channel")
    assert len(medialive) == (1 if market.medialive else 0)
    if market.medialive:
        ((_, channel),) = medialive.items()
        url = json.dumps(channel["Properties"]["Destinations"])
        assert "/replays/live/" in url


@pytest.mark.parametrize("market_id", SELLING)
def test_replay_distribution(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    _, distribution = only(raw, "AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginPath"] == "/replays"
    assert origin["OriginAccessControlId"] == {
        "Fn::GetAtt": [only(raw, "AWS::CloudFront::OriginAccessControl")[0], "Id"]
    }
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    # standard logs, except in an opt-in Region, where v2 delivery writes them (tests/infra/test_first_deploy.py)
    assert ("Logging" in config) == (MARKETS[market_id].region not in OPT_IN_REGIONS)
    cloudfront_reads = [
        statement
        for policy in resources(raw, "AWS::S3::BucketPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
    ]
    (read,) = cloudfront_reads
    assert read["Action"] == "s3:GetObject"
    assert json.dumps(read["Resource"]).endswith('"/replays/*"]]}')
