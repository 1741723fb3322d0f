"""``Livebase-account-<region>``: what an account needs once per Region before the market stacks.

**The API Gateway CloudWatch role.** A REST stage with access or execution logging is refused in
a Region where the account has no API Gateway CloudWatch role (``AWS::ApiGateway::Account``), and
``cdk.json`` turns CDK's own per-API role off (``@aws-cdk/aws-apigateway:disableCloudWatchRole``).
The setting is a singleton per account and Region, so it lives in a small stack of its own that
the app creates once for each Region any stack with a logging REST stage deploys to, and that
those stacks depend on (``cdk deploy`` and ``./livebase deploy`` order it first). A guarded
construct inside each market stack was the alternative; it was not chosen because two markets
sharing a Region would both own the one setting (the second deploy or the first delete would
silently change it for the other), and because the role is account plumbing, not the market's.
The role is retained on delete: stages of other stacks keep logging through it.

**Reserved concurrency.** Lambda keeps 100 concurrent executions unreserved per Region, so the
functions' reserved concurrency across every stack in a Region must fit under the account's
quota minus 100. The quota is not visible at synth (a new account's may be below the documented
default of 1,000), so :func:`warn_reserved_concurrency` states, per Region, what the stacks
reserve and the quota they need (``./livebase deploy``'s preflight compares it with the account).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct, IConstruct

from infra_cdk.nag import acknowledge
from livebase.markets.deployment import ACCOUNT_CONCURRENCY, UNRESERVED_MINIMUM

STACK_PREFIX = "Livebase-account-"
CLOUDWATCH_ROLE_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
CONCURRENCY_WARNING = "livebase:reserved-concurrency"


def account_stack_name(region: str) -> str:
    return f"{STACK_PREFIX}{region}"


class AccountStack(cdk.Stack):
    """The account's per-Region settings the market stacks rely on (module docstring)."""

    def __init__(self, scope: Construct, region: str) -> None:
        super().__init__(
            scope,
            account_stack_name(region),
            env=deployment_environment(region),
            description=f"Livebase account settings for {region}: the API Gateway CloudWatch role",
            tags={"livebase:role": "account-settings"},
        )
        self.cloudwatch_role = iam.Role(
            self,
            "ApiGatewayCloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway writes REST stage access and execution logs to CloudWatch Logs in this Region",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(CLOUDWATCH_ROLE_POLICY)],
        )
        self.cloudwatch_role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self.api_gateway_account = apigw.CfnAccount(
            self, "ApiGatewayAccount", cloud_watch_role_arn=self.cloudwatch_role.role_arn
        )
        acknowledge(
            self.cloudwatch_role,
            f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{CLOUDWATCH_ROLE_POLICY}]",
            "AWS's managed policy for the API Gateway account's CloudWatch role (what CDK's own cloudWatchRole "
            "attaches): API Gateway creates the execution-log groups itself, named per API and stage, so the "
            "role is written for every log group of the account in the Region; AWS maintains it.",
        )


def deployment_environment(region: str) -> cdk.Environment:
    """A stack pinned to ``region``, its account left to the deployment (``AWS::AccountId``), never baked in."""
    return cdk.Environment(region=region)


def logs_rest_stages(stack: cdk.Stack) -> bool:
    """Whether the stack holds a REST stage with access logging (which needs the account's role)."""
    return any(isinstance(c, apigw.CfnStage) and c.access_log_setting is not None for c in stack.node.find_all())


def add_account_stacks(app: cdk.App, stacks: Iterable[cdk.Stack]) -> dict[str, AccountStack]:
    """One account stack per Region a stack with a logging REST stage deploys to; those stacks depend on it."""
    created: dict[str, AccountStack] = {}
    for stack in stacks:
        if not logs_rest_stages(stack):
            continue
        if stack.region not in created:
            created[stack.region] = AccountStack(app, stack.region)
        stack.add_stack_dependency(created[stack.region], "its REST stages log through the account's API Gateway role")
    return created


def reserved_concurrency(stacks: Iterable[cdk.Stack]) -> dict[str, int]:
    """Reserved concurrent executions of every function, summed per Region."""
    per_region: dict[str, int] = defaultdict(int)
    for stack in stacks:
        for construct in stack.node.find_all():
            if isinstance(construct, lambda_.CfnFunction):
                reserved = construct.reserved_concurrent_executions
                per_region[stack.region] += reserved if isinstance(reserved, int) else 0
    return dict(per_region)


def warn_reserved_concurrency(stacks: Iterable[cdk.Stack], account_stacks: dict[str, AccountStack]) -> None:
    """A warning per Region: what its functions reserve and the Lambda quota that needs."""
    stacks = list(stacks)
    for region, reserved in reserved_concurrency(stacks).items():
        needed = reserved + UNRESERVED_MINIMUM
        fits = "within" if needed <= ACCOUNT_CONCURRENCY else "ABOVE"
        where: IConstruct = account_stacks.get(region) or next(s for s in stacks if s.region == region)
        cdk.Annotations.of(where).add_warning_v2(
            CONCURRENCY_WARNING,
            f"{region}: the functions reserve {reserved} concurrent executions; Lambda keeps {UNRESERVED_MINIMUM} "
            f"unreserved, so the account's Lambda concurrency quota in {region} must be at least {needed} "
            f"({fits} the default {ACCOUNT_CONCURRENCY}; a new account's may be lower: check Service Quotas "
            "L-B99A9384 and request an increase before deploying).",
        )
