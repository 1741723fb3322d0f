"""The AWS-managed Powertools for AWS Lambda (Python) layer, at the version this environment runs.

One pin: the ``aws-lambda-powertools`` version installed here (``pyproject.toml``'s range, what
the tests run) picks the layer. Powertools publishes each release's layer ARN per architecture
and Python version as the public SSM parameter
``/aws/service/powertools/python/<arch>/<python>/<version>``; the functions name the layer by a
dynamic reference to it (``{{resolve:ssm:...}}``), which CloudFormation resolves at deploy in the
market's own Region (layer numbers have differed by Region), so synth stays offline and no layer
number is copied by hand. A release without its parameter fails the deploy, naming it, instead
of running the functions on a Powertools the tests never ran. (A dynamic reference rather than an
SSM-typed stack parameter: the local deploy drops layers it does not build, and moto cannot
resolve a parameter it does not hold.)
"""

from __future__ import annotations

from importlib import metadata

from aws_cdk import CfnDynamicReference, CfnDynamicReferenceService
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

DISTRIBUTION = "aws-lambda-powertools"
PARAMETER_PREFIX = "/aws/service/powertools/python"


def installed_version() -> str:
    """The Powertools release installed in this environment (the one the tests run)."""
    return metadata.version(DISTRIBUTION)


def layer_parameter_name(runtime: lambda_.Runtime, architecture: lambda_.Architecture, version: str) -> str:
    """The public SSM parameter holding the layer ARN of ``version`` for a runtime and architecture."""
    return f"{PARAMETER_PREFIX}/{architecture.name}/{runtime.name}/{version}"


def powertools_layer(
    scope: Construct, construct_id: str, *, runtime: lambda_.Runtime, architecture: lambda_.Architecture
) -> lambda_.ILayerVersion:
    """The layer of the installed Powertools release, resolved from SSM at deploy time."""
    name = layer_parameter_name(runtime, architecture, installed_version())
    arn = CfnDynamicReference(CfnDynamicReferenceService.SSM, name).to_string()
    return lambda_.LayerVersion.from_layer_version_arn(scope, construct_id, arn)
