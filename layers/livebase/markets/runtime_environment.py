"""A function's stack-wide environment, read at cold start from the market's runtime parameter.

The deployed stacks keep every resource name and the market's config in one SSM parameter
(``infra_cdk/components/runtime_environment.py``: Lambda's 4 KB environment limit); a function's
environment names it in ``RUNTIME_PARAMETER``. :func:`load_runtime_environment` puts those values
into the process environment once, before anything reads it. Where the environment already holds
them (the local runner, tests), nothing is fetched.
"""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping
from typing import Any

RUNTIME_PARAMETER = "RUNTIME_PARAMETER"
MARKET_CONFIG = "MARKET_CONFIG"


def stack_wide_variables() -> frozenset[str]:
    """The variables every function of a market may get: its resource names and its config."""
    from livebase.markets.resources import OUTPUTS

    return frozenset(variable for _, variable in OUTPUTS.values()) | {MARKET_CONFIG}


def load_runtime_environment(environ: MutableMapping[str, str] | None = None, ssm: Any | None = None) -> bool:
    """Fill ``environ`` (default ``os.environ``) from the runtime parameter; True when it was read.

    A variable already set wins (a function's own setting is never overwritten).
    """
    env = os.environ if environ is None else environ
    name = env.get(RUNTIME_PARAMETER)
    if not name or MARKET_CONFIG in env:
        return False
    if ssm is None:
        import boto3

        from livebase.aws import retry_config

        ssm = boto3.client("ssm", region_name=env.get("AWS_REGION"), config=retry_config())
    values = json.loads(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    for variable, value in values.items():
        env.setdefault(variable, str(value))
    return True
