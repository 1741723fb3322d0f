"""What the market-stack tests share: the market lists and how to find resources in a synthesised template."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from infra_cdk.components.powertools import has_managed_layer
from livebase.markets.config import hq_market, load_markets, selling_markets

MARKETS = load_markets()
SELLING = [m.id for m in selling_markets(MARKETS)]
HQ = [hq_market(MARKETS).id]
OWN_TESTS = ("Passport", "Studio", "FlowRuntime", "Player")  # their tables, buckets, queues: test_<name>.py


def resources(template: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def only(template: dict[str, Any], cfn_type: str) -> tuple[str, dict[str, Any]]:
    found = resources(template, cfn_type)
    assert len(found) == 1, f"expected one {cfn_type}, got {list(found)}"
    return next(iter(found.items()))


def powertools_layer_reference() -> str:
    """The AWS-managed Powertools layer of the release installed here, for python3.12 on x86_64."""
    version = metadata.version("aws-lambda-powertools")
    return f"{{{{resolve:ssm:/aws/service/powertools/python/x86_64/python3.12/{version}}}}}"


def powertools_layer(template: dict[str, Any], market_id: str) -> Any:
    """How the market's functions name Powertools: AWS's layer by SSM, or the project's build where AWS has none."""
    if has_managed_layer(MARKETS[market_id].region):
        return powertools_layer_reference()
    [layer_id] = [k for k in resources(template, "AWS::Lambda::LayerVersion") if k.startswith("LiveIngestPowertools")]
    return {"Ref": layer_id}


def key_arn(template: dict[str, Any]) -> dict[str, Any]:
    """The market's data key (the pseudonym key, an HMAC key, is tested in test_privacy_stacks.py)."""
    [key] = [k for k in resources(template, "AWS::KMS::Key") if k.startswith("EncryptionKey")]
    return {"Fn::GetAtt": [key, "Arn"]}


def live_stream(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The live-event stream (the studio's telemetry stream is tested in test_studio.py)."""
    [found] = [(k, v) for k, v in resources(template, "AWS::Kinesis::Stream").items() if k.startswith("LiveIngest")]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def consumer(raw: dict[str, Any], function: str) -> tuple[str, dict[str, Any]]:
    """(logical id, properties) of the stream consumer function ``livebase-<market>-<function>``."""
    found = [
        (k, f["Properties"])
        for k, f in resources(raw, "AWS::Lambda::Function").items()
        if str(f["Properties"]["FunctionName"]).endswith(f"-{function}")
    ]
    assert len(found) == 1, found
    return found[0]
