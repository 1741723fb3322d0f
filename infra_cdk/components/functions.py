"""How every Livebase Lambda is built: its function, execution role and log group, in one place.

Each role has no managed policy (it writes to an explicit, KMS-encrypted log group), so every
statement names the resource it is for; permissions come only from grant methods. The parts are
created directly in the caller's scope (ids ``Logs``, ``Role``, ``Function``), so the stream
consumers kept their logical ids when this moved out of ``live_ingest``.

The security settings every function shares are set here, from the market of the enclosing
``MarketStack`` (``market.functions``): reserved concurrency, environment variables encrypted
with the market key, log retention, and the market VPC when the market asks for one. A function
invoked asynchronously (an EventBridge target) gets its on-failure destination from its
component (``configure_async_invoke``); ``tests/infra/test_functions.py`` checks every one has.
The cdk-nag findings every function shares (X-Ray's unscoped actions, the market key's grant
wildcards, the pinned runtime) are acknowledged here, once, with their reasons.

:class:`FunctionKit` is what a component needs to build its functions (the market, its key and the
layers: the stack's ``livebase`` layer and Powertools) and to set their environment, the market's
config with it, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra_cdk.components.encryption import encrypted_log_group
from infra_cdk.components.network import OUTSIDE_VPC, MarketNetwork, market_network
from infra_cdk.layer_staging import FUNCTIONS_DIR
from infra_cdk.nag import acknowledge, acknowledge_key_grants
from infra_cdk.scanners import ignore_cfn_lint, skip_checkov
from livebase.markets.config import Market
from livebase.markets.runtime_environment import MARKET_CONFIG

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


@dataclass(frozen=True)
class FunctionKit:
    """What every function of a market is built from: the market, the market key, the layers."""

    market: Market
    key: kms.IKey
    layers: tuple[lambda_.ILayerVersion, ...]

    @property
    def market_id(self) -> str:
        return self.market.id

    def set_environment(self, function: lambda_.Function, *values: Mapping[str, str]) -> None:
        """``values`` (a later mapping wins) and the market's validated config into the function's environment.

        Encrypted with the market key; the stack-wide ones move to one SSM parameter at synth
        (``runtime_environment.py``: Lambda's 4 KB limit)."""
        merged: dict[str, str] = {}
        for mapping in (*values, {MARKET_CONFIG: self.market.handler_config_json()}):
            merged |= mapping
        for variable, value in merged.items():
            function.add_environment(variable, value)

    def build(self, scope: Construct, function: str, *, timeout: Duration | None = None) -> MarketFunction:
        """``functions/<function>`` of this market in ``scope`` (:func:`market_function`)."""
        return market_function(
            scope, market_id=self.market_id, function=function, key=self.key, layers=self.layers, timeout=timeout
        )


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
    market = market_of(scope)
    network = _network(scope, market, function, key)
    name = function_name(market_id, function)
    log_group = encrypted_log_group(scope, "Logs", key, f"/aws/lambda/{name}")
    role = iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{function} Lambda of market {market_id}: grants only",
    )
    log_group.grant_write(role)
    key.grant_decrypt(role)  # the environment is encrypted with the market key; Lambda decrypts as the role
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
        reserved_concurrent_executions=market.functions.reserved_for(function),
        environment_encryption=key,
        vpc=network.vpc if network else None,
        vpc_subnets=network.subnets if network else None,
        security_groups=[network.functions_group] if network else None,
        environment={
            "MARKET": market_id,
            "POWERTOOLS_SERVICE_NAME": function,
            "POWERTOOLS_METRICS_NAMESPACE": "Livebase",
        },
    )
    _suppress(lambda_function, market, function)
    _acknowledge(role, lambda_function)
    return MarketFunction(lambda_function, role, log_group)


def market_of(scope: Construct) -> Market:
    """The market of the enclosing stack: every function is built inside a ``MarketStack``."""
    market = getattr(Stack.of(scope), "market", None)
    if not isinstance(market, Market):
        raise TypeError(f"{scope.node.path}: market functions are built inside a MarketStack (no market here)")
    return market


def _network(scope: Construct, market: Market, function: str, key: kms.IKey) -> MarketNetwork | None:
    """The market VPC for this function, when the market runs its functions in one."""
    if not market.functions.vpc or function in OUTSIDE_VPC:
        return None
    return market_network(scope, key)


def _acknowledge(role: iam.Role, lambda_function: lambda_.Function) -> None:
    """The cdk-nag findings every function's role and runtime raise, each with its reason."""
    policy = role.node.find_child("DefaultPolicy")
    acknowledge_key_grants(policy)
    acknowledge(
        policy,
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray PutTraceSegments/PutTelemetryRecords (tracing active) support no resource-level scoping; "
        "every other statement names its resource.",
    )
    acknowledge(
        lambda_function,
        "AwsSolutions-L1",
        "Pinned to python3.12 on purpose: the Powertools v3 layer used here (AWS-managed, or the project's "
        "own build where AWS publishes none) is the python312 build.",
    )


def _suppress(lambda_function: lambda_.Function, market: Market, function: str) -> None:
    """The scanner findings every function shares, each with its reason."""
    skip_checkov(
        lambda_function, "CKV_AWS_116",
        "A Lambda DLQ only catches asynchronous invocations. Stream, queue and API functions are invoked "
        "synchronously (failures: the mapping's on-failure DLQ, the queue's redrive DLQ, the caller); "
        "EventBridge targets have an on-failure destination (EventInvokeConfig -> KMS SQS, alarmed), which "
        "checkov does not read. tests/infra/test_functions.py asserts both.",
    )  # fmt: skip
    if not market.functions.vpc:
        skip_checkov(
            lambda_function, "CKV_AWS_117",
            f"Market option functions.vpc is off for {market.id}: the function calls only AWS APIs (TLS, SigV4, "
            "IAM least privilege) and listens on nothing; the VPC with endpoints costs per AZ-hour (README).",
        )  # fmt: skip
    elif function in OUTSIDE_VPC:
        skip_checkov(lambda_function, "CKV_AWS_117", OUTSIDE_VPC[function])
    ignore_cfn_lint(
        lambda_function, "W3005",
        "CDK's Function adds DependsOn on its role beside the GetAtt Role.Arn; redundant, harmless, CDK's own.",
    )  # fmt: skip
