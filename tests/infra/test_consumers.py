"""The live stream's consumers: their mappings, function settings, environment, layers and log groups."""

from __future__ import annotations

import json
from importlib import metadata

import pytest
from packaging.requirements import Requirement

from livebase.live.events import ORDER_EVENT_TYPES
from livebase.markets.config import Market
from livebase.markets.resources import OUTPUTS
from tests.infra.stacks import (
    MARKETS,
    SELLING,
    consumer,
    function_environment,
    key_arn,
    live_stream,
    powertools_layer,
    resources,
)


@pytest.mark.parametrize("market_id", SELLING)
def test_stream_consumers_and_their_mappings(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    stream_arn = {"Fn::GetAtt": [live_stream(raw)[0], "Arn"]}
    every = resources(raw, "AWS::Lambda::EventSourceMapping").values()
    mappings = [m for m in every if m["Properties"]["EventSourceArn"] == stream_arn]  # SQS ones: test_supply_chain
    assert len(mappings) == 3  # ingest, orders and consent (its own: test_recall.py)
    queues = resources(raw, "AWS::SQS::Queue")
    for function, dlq_name in (("ingest", "IngestDlq"), ("orders", "OrdersDlq")):
        function_id, _ = consumer(raw, function)
        [props] = [m["Properties"] for m in mappings if m["Properties"]["FunctionName"] == {"Ref": function_id}]
        dlq = [k for k in queues if dlq_name in k]
        assert props["EventSourceArn"] == {"Fn::GetAtt": [live_stream(raw)[0], "Arn"]}
        assert props["BatchSize"] == 100
        assert props["BisectBatchOnFunctionError"] is True
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["MaximumRetryAttempts"] == 3
        assert props["MaximumRecordAgeInSeconds"] == 3600
        assert props["StartingPosition"] == "TRIM_HORIZON"
        assert props["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [dlq[0], "Arn"]}}}
        if function == "ingest":
            assert "FilterCriteria" not in props  # every record: validation and quarantine happen here
        else:
            [pattern] = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
            assert pattern == {"data": {"type": list(ORDER_EVENT_TYPES)}}


@pytest.mark.parametrize("market_id", SELLING)
@pytest.mark.parametrize("function", ["ingest", "orders"])
def test_consumer_function(synthesised, market_id: str, function: str) -> None:
    raw = synthesised.raw(market_id)
    _, props = consumer(raw, function)
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["x86_64"]
    assert (props["MemorySize"], props["Timeout"]) == (512, 60)
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Handler"] == "handler.lambda_handler"
    own = props["Environment"]["Variables"]
    assert set(own) == {"MARKET", "RUNTIME_PARAMETER", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}
    variables = function_environment(raw, props)  # the stack-wide names and config: the runtime parameter
    expected = {var for _, var in OUTPUTS.values()} | {
        "MARKET",
        "MARKET_CONFIG",
        "RUNTIME_PARAMETER",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
    }
    assert set(variables) == expected
    assert variables["MARKET"] == market_id
    assert Market.model_validate_json(variables["MARKET_CONFIG"]) == MARKETS[market_id]
    assert variables["POWERTOOLS_SERVICE_NAME"] == function
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Livebase"
    assert variables[f"{function.upper()}_FUNCTION_NAME"] == props["FunctionName"]
    assert powertools_layer(raw, market_id) in props["Layers"]  # AWS's (resolved in the Region at deploy) or ours
    [(layer_id, layer)] = [
        (k, v) for k, v in resources(raw, "AWS::Lambda::LayerVersion").items() if k.startswith("LiveIngestLivebase")
    ]
    assert {"Ref": layer_id} in props["Layers"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    log_groups = resources(raw, "AWS::Logs::LogGroup")
    log_group = log_groups[props["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["LogGroupName"] == f"/aws/lambda/{props['FunctionName']}"
    assert log_group["Properties"]["KmsKeyId"] == key_arn(raw)


@pytest.mark.parametrize("market_id", SELLING)
def test_powertools_layer_is_the_release_the_tests_run(synthesised, market_id: str) -> None:
    """Fails when the layer and the installed aws-lambda-powertools (within the project's pin) disagree."""
    [pin] = [r for r in map(Requirement, metadata.requires("livebase") or []) if r.name == "aws-lambda-powertools"]
    installed = metadata.version("aws-lambda-powertools")
    assert pin.specifier.contains(installed), f"installed powertools {installed} outside the pin {pin}"
    raw = synthesised.raw(market_id)
    for function in ("ingest", "orders"):
        _, props = consumer(raw, function)
        assert (props["Runtime"], props["Architectures"]) == ("python3.12", ["x86_64"])  # the layer's build
        powertools = [layer for layer in props["Layers"] if "powertools" in json.dumps(layer).lower()]
        assert powertools == [powertools_layer(raw, market_id)]
    assert "Parameters" not in raw or not any("powertools" in json.dumps(p) for p in raw["Parameters"].values())
