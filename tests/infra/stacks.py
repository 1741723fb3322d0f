"""What the market-stack tests share: the market lists and how to find resources in a synthesised template."""

from __future__ import annotations

import json
import re
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


def one(template: dict[str, Any], cfn_type: str, prefix: str) -> tuple[str, dict[str, Any]]:
    """The one resource of ``cfn_type`` whose logical id starts with ``prefix``: its id and body."""
    [(logical_id, body)] = [(k, v) for k, v in resources(template, cfn_type).items() if k.startswith(prefix)]
    return logical_id, body


def actions(statement: dict[str, Any]) -> set[str]:
    """A policy statement's actions (one string or a list in the template)."""
    named = statement["Action"]
    return {named} if isinstance(named, str) else set(named)


def throttled_stage_log_format(template: dict[str, Any], prefix: str, rate: float, burst: int) -> str:
    """The access-log format of the one REST API stage under ``prefix``, whose one throttle must be ``rate``
    and ``burst`` (``rest_api.py``)."""
    _, stage = one(template, "AWS::ApiGateway::Stage", prefix)
    props = stage["Properties"]
    [setting] = props["MethodSettings"]
    assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == (rate, burst)
    return str(props["AccessLogSetting"]["Format"])


def function_statements(template: dict[str, Any], name: str, action: str) -> tuple[str, list[dict[str, Any]]]:
    """The Lambda function named ``name`` (its logical id) and the statements of its role's policies with ``action``."""
    [(function_id, function)] = [
        (k, v) for k, v in resources(template, "AWS::Lambda::Function").items()
        if v["Properties"].get("FunctionName") == name
    ]  # fmt: skip
    role = {"Ref": function["Properties"]["Role"]["Fn::GetAtt"][0]}
    statements = [
        s for p in resources(template, "AWS::IAM::Policy").values() if role in p["Properties"].get("Roles", [])
        for s in p["Properties"]["PolicyDocument"]["Statement"] if action in json.dumps(s["Action"])
    ]  # fmt: skip
    return function_id, statements


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


def runtime_parameter_values(template: dict[str, Any]) -> dict[str, Any]:
    """The market's runtime parameter (``components/runtime_environment.py``) as variable -> value, each value a
    string or the template node (``Ref``, ``Fn::GetAtt``, ``Fn::Join``) the parameter's JSON carries for it."""
    [body] = [v for k, v in resources(template, "AWS::SSM::Parameter").items() if k.startswith("RuntimeEnvironment")]
    value = body["Properties"]["Value"]
    parts = value["Fn::Join"][1] if isinstance(value, dict) else [value]
    tokens: list[Any] = []
    text = ""
    for part in parts:
        if isinstance(part, str):
            text += part
        else:
            text += f"@@{len(tokens)}@@"
            tokens.append(part)

    def node(found: str) -> Any:
        pieces = re.split(r"@@(\d+)@@", found)
        if len(pieces) == 1:
            return found
        joined = [tokens[int(p)] if i % 2 else p for i, p in enumerate(pieces) if p or i % 2]
        return joined[0] if len(joined) == 1 else {"Fn::Join": ["", joined]}

    return {variable: node(str(found)) for variable, found in json.loads(text).items()}


def function_environment(template: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """What a function sees at cold start: the runtime parameter's values under its own variables."""
    own = dict(properties.get("Environment", {}).get("Variables", {}))
    return {**runtime_parameter_values(template), **own} if "RUNTIME_PARAMETER" in own else own
