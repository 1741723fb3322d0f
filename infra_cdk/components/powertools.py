"""The Powertools for AWS Lambda (Python) layer, at the version this environment runs.

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

The parameter exists only in :data:`MANAGED_LAYER_REGIONS`. Elsewhere (me-central-1 and
me-south-1 today) the stack ships the project's own build of the same release
(:mod:`infra_cdk.powertools_staging`), a ``LayerVersion`` from an asset staged at synth.
"""

from __future__ import annotations

from importlib import metadata

from aws_cdk import Annotations, CfnDynamicReference, CfnDynamicReferenceService, RemovalPolicy, Stack, Token
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra_cdk.powertools_staging import TARGET_ABI, TARGET_PYTHON, WHEELS_DIR, stage_powertools_layer

DISTRIBUTION = "aws-lambda-powertools"
PARAMETER_PREFIX = "/aws/service/powertools/python"
MISSING_WHEELS_WARNING = "livebase:powertools-wheels"
# Where Powertools writes the layer's public SSM parameter: the ``region`` matrix of
# aws-powertools/powertools-lambda-python .github/workflows/update_ssm.yml (commit 18efff7, read
# 2026-12). Its layer deploy (reusable_deploy_v3_layer_stack.yml) reaches me-central-1 and me-south-1
# too, but no parameter is written there, so the reference cannot resolve: those get the project's build.
MANAGED_LAYER_REGIONS = frozenset(
    {"af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
     "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
     "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
     "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
     "us-west-1", "us-west-2"}
)  # fmt: skip


def installed_version() -> str:
    """The Powertools release installed in this environment (the one the tests run)."""
    return metadata.version(DISTRIBUTION)


def layer_parameter_name(runtime: lambda_.Runtime, architecture: lambda_.Architecture, version: str) -> str:
    """The public SSM parameter holding the layer ARN of ``version`` for a runtime and architecture."""
    return f"{PARAMETER_PREFIX}/{architecture.name}/{runtime.name}/{version}"


def has_managed_layer(region: str) -> bool:
    """Whether Powertools publishes its layer parameter in ``region`` (an unresolved Region: assumed so)."""
    return Token.is_unresolved(region) or region in MANAGED_LAYER_REGIONS


def powertools_layer(
    scope: Construct, construct_id: str, *, runtime: lambda_.Runtime, architecture: lambda_.Architecture
) -> lambda_.ILayerVersion:
    """The layer of the installed Powertools release: AWS's, resolved from SSM at deploy, or the project's."""
    region = Stack.of(scope).region
    if has_managed_layer(region):
        name = layer_parameter_name(runtime, architecture, installed_version())
        arn = CfnDynamicReference(CfnDynamicReferenceService.SSM, name).to_string()
        return lambda_.LayerVersion.from_layer_version_arn(scope, construct_id, arn)
    staged = stage_powertools_layer()
    layer = lambda_.LayerVersion(
        scope,
        construct_id,
        code=lambda_.Code.from_asset(str(staged.path)),
        compatible_runtimes=[runtime],
        compatible_architectures=[architecture],
        description=f"Powertools for AWS Lambda (Python) {staged.version}, built by Livebase: none published in "
        f"{region}",
        removal_policy=RemovalPolicy.RETAIN,  # running versions keep working during updates
    )
    if staged.missing_wheels:
        Annotations.of(layer).add_warning_v2(
            MISSING_WHEELS_WARNING,
            f"the Powertools layer for {region} holds {', '.join(staged.missing_wheels)} without its build for "
            f"python{TARGET_PYTHON} ({TARGET_ABI}, x86_64): this environment runs another Python. Put those "
            f"wheels in {WHEELS_DIR} (pip download --only-binary :all: --platform manylinux2014_x86_64 "
            f"--python-version {TARGET_PYTHON} --no-deps -d {WHEELS_DIR} <name>==<version>) and synthesise again "
            "before deploying; pydantic-core has no pure-Python fallback.",
        )
    return layer
