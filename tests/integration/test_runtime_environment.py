"""The runtime parameter deployed into the local AWS gives a function every name its stack outputs give."""

from __future__ import annotations

import boto3

from livebase.markets.config import Market
from livebase.markets.resources import MarketResources, lookup
from livebase.markets.runtime_environment import RUNTIME_PARAMETER, load_runtime_environment
from tests.support.local_aws import LocalAwsStack


def test_cold_start_reads_the_stack_wide_environment_from_the_parameter(local_aws: LocalAwsStack) -> None:
    region = local_aws.deployments["sea"].region
    environ = {RUNTIME_PARAMETER: "/livebase/sea/runtime", "AWS_REGION": region, "MARKET": "sea", "OWN": "kept"}
    assert load_runtime_environment(environ, boto3.client("ssm", region_name=region))
    resources = MarketResources.from_environment(environ)
    assert resources == lookup("sea", region)  # the same names as the stack's outputs
    assert Market.model_validate_json(environ["MARKET_CONFIG"]).id == "sea" and environ["OWN"] == "kept"
    assert not load_runtime_environment(environ)  # read once: the environment now holds it


def test_every_deployed_function_names_the_parameter_and_not_the_names(local_aws: LocalAwsStack) -> None:
    region = local_aws.deployments["sea"].region
    client = boto3.client("lambda", region_name=region)
    functions = [f for page in client.get_paginator("list_functions").paginate() for f in page["Functions"]]
    ours = [f for f in functions if f["FunctionName"].startswith("livebase-sea-")]
    assert ours
    for function in ours:
        variables = function.get("Environment", {}).get("Variables", {})
        assert variables.get(RUNTIME_PARAMETER) == "/livebase/sea/runtime", function["FunctionName"]
        assert "MARKET_CONFIG" not in variables and "ORDERS_TABLE" not in variables, function["FunctionName"]
