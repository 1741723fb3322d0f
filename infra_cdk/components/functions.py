"""How every Livebase Lambda is built: its function, execution role and log group, in one place.

Each role has no managed policy (it writes to an explicit, KMS-encrypted log group), so every
statement names the resource it is for; permissions come only from grant methods. The parts are
created directly in the caller's scope (ids ``Logs``, ``Role``, ``Function``), so the stream
consumers kept their logical ids when this moved out of ``live_ingest``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra_cdk.layer_staging import FUNCTIONS_DIR

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64
_CODE_EXCLUDES = ["__pycache__", "*.pyc", "tests"]


def function_name(market_id: str, function: str) -> str:
    """Fixed names (``livebase-<market>-<folder under functions/>``): a function can be told its own."""
    return f"livebase-{market_id}-{function}"


@dataclass(frozen=True)
class MarketFunction:
    function: lambda_.Function
    role: iam.Role
    log_group: logs.LogGroup


def market_function(
    scope: Construct,
    *,
    market_id: str,
    function: str,
    key: kms.IKey,
    layers: Sequence[lambda_.ILayerVersion],
    timeout: Duration | None = None,
) -> MarketFunction:
    """``functions/<function>/handler.py`` as ``livebase-<market>-<function>`` (see the module docstring)."""
    name = function_name(market_id, function)
    log_group = logs.LogGroup(
        scope,
        "Logs",
        log_group_name=f"/aws/lambda/{name}",
        retention=logs.RetentionDays.ONE_MONTH,
        encryption_key=key,
        removal_policy=RemovalPolicy.DESTROY,
    )
    role = iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{function} Lambda of market {market_id}: grants only",
    )
    log_group.grant_write(role)
    lambda_function = lambda_.Function(
        scope,
        "Function",
        function_name=name,
        runtime=RUNTIME,
        architecture=ARCHITECTURE,
        code=lambda_.Code.from_asset(str(FUNCTIONS_DIR / function), exclude=_CODE_EXCLUDES),
        handler="handler.lambda_handler",
        memory_size=512,
        timeout=timeout or Duration.seconds(60),
        tracing=lambda_.Tracing.ACTIVE,
        layers=list(layers),
        role=role,
        log_group=log_group,
        environment={
            "MARKET": market_id,
            "POWERTOOLS_SERVICE_NAME": function,
            "POWERTOOLS_METRICS_NAMESPACE": "Livebase",
        },
    )
    return MarketFunction(lambda_function, role, log_group)
