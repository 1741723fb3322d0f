"""The stack-wide environment of a market's functions, kept once in an SSM parameter read at cold start.

Lambda allows 4 KB of environment variables per function, keys and values together. Every resource
name of the market (``livebase.markets.resources.OUTPUTS``) and the market's config
(``MARKET_CONFIG``) pass that at real name lengths (tests/infra/test_function_environment.py
measures it), so the stack writes those values once, to the Advanced-tier parameter
``/livebase/<market>/runtime`` (values up to 8 KB), and each function's environment keeps only
``RUNTIME_PARAMETER`` (the parameter's name) beside its own settings.
:class:`StackWideVariablesToParameter` moves them at synthesis, whichever construct set them, and
grants the function read on the parameter alone; ``livebase.markets.runtime_environment`` reads
them back into the process environment before the handler reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsii
from aws_cdk import Aspects, IAspect, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct, IConstruct

from livebase.markets.runtime_environment import RUNTIME_PARAMETER, stack_wide_variables


def runtime_parameter_name(market_id: str) -> str:
    return f"/livebase/{market_id}/runtime"


class RuntimeEnvironment(Construct):
    """The parameter holding ``values`` (variable -> value), and the aspect that moves them out of functions."""

    def __init__(self, scope: Construct, construct_id: str, *, market_id: str, values: Mapping[str, Any]) -> None:
        super().__init__(scope, construct_id)
        unknown = set(values) - stack_wide_variables()
        if unknown:
            raise ValueError(f"not stack-wide variables: {sorted(unknown)} (livebase.markets.runtime_environment)")
        self.parameter = ssm.StringParameter(
            self, "Parameter",
            parameter_name=runtime_parameter_name(market_id),
            description=f"Stack-wide environment of market {market_id}'s functions (resource names, market config)",
            string_value=Stack.of(self).to_json_string(dict(values)),
            tier=ssm.ParameterTier.ADVANCED,  # 8 KB: the names at real lengths and the config pass Standard's 4 KB
        )  # fmt: skip
        Aspects.of(Stack.of(self)).add(StackWideVariablesToParameter(self.parameter))


@jsii.implements(IAspect)
class StackWideVariablesToParameter:
    """Every function of the stack that was given a stack-wide variable reads it from the parameter instead."""

    def __init__(self, parameter: ssm.StringParameter) -> None:
        self.parameter = parameter
        self.variables = stack_wide_variables()

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, lambda_.Function):
            return
        function = node.node.default_child
        assert isinstance(function, lambda_.CfnFunction)
        if not str(function.function_name or "").startswith("livebase-"):
            return  # not a Livebase handler (a CDK provider's own function)
        for variable in sorted(self.variables):  # L1 overrides: the L2 keeps its environment private
            function.add_property_deletion_override(f"Environment.Variables.{variable}")
        node.add_environment(RUNTIME_PARAMETER, self.parameter.parameter_name)
        self.parameter.grant_read(node)
