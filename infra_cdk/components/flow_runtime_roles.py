"""The flows' roles beyond the flow role: forecast-scaleout's SageMaker job, and hq's roll-up reader.

* :class:`ForecastJobRole` (each selling market): the SageMaker processing job ``forecast-scaleout``
  submits (``flows.forecast_scaleout``) runs under it, in the market's Region, on in-region data only:
  the job's inputs and outputs under ``forecasting/`` of the market's bucket, its residency quarantine,
  the forecasts table, the market key, the flows image, its own log group. The flow role gets a policy
  of its own (beside its default one) to pass exactly that role to SageMaker and to create and describe
  the market's processing jobs (``livebase-forecast-<market>-<day>``) only.
* :class:`HqRollupRole` (hq's stack): reads ``aggregates/<market>/`` of hq's bucket for each selling
  market, nothing else; assumed by the selling markets' flow roles (the roll-up at the end of
  ``regional-processing``), named ``livebase-<hq>-rollup`` so they find it without a cross-Region
  reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import ArnFormat, Aws, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_cdk.nag import (
    acknowledge,
    acknowledge_all,
    acknowledge_grant_put,
    acknowledge_key_grants,
    arn_ref,
    nag_resource,
)
from livebase.markets.config import Market, find_hq_market, load_markets, selling_markets
from livebase.privacy.refused import refused_key

JOB_DATA = "forecasting/*"  # flows.forecast_scaleout: forecasting/<day>/sales/ in, forecasting/<day>/forecasts/ out
JOB_CONSUMER = "forecast-job"  # flows.demand_forecasting_job.CONSUMER
JOB_LOGS = "/aws/sagemaker/ProcessingJobs"
EXPORT_PREFIX = "aggregates"  # flows.regional_io.EXPORT_PREFIX
FLOW_ROLE_PREFIX = "FlowsRole"  # the flow role's logical id (flow_role.py: Flows/Role), so its physical name


def arn(stack: Stack, **parts: Any) -> str:
    """``stack.format_arn`` with the deploy environment's account and partition (never a literal id)."""
    return stack.format_arn(account=Aws.ACCOUNT_ID, partition=Aws.PARTITION, **parts)


def job_name_prefix(market_id: str) -> str:
    """flows.forecast_scaleout.job_name without the day."""
    return f"livebase-forecast-{market_id}-"


def rollup_role_name(hq: Market) -> str:
    return f"livebase-{hq.id}-rollup"


def hq_rollup_role_arn(scope: Construct, hq: Market | None = None) -> str | None:
    """The ARN of hq's roll-up role in the deploy account (None: the market table has no hq)."""
    hq = hq or find_hq_market(load_markets())
    if hq is None:
        return None
    return arn(Stack.of(scope), service="iam", region="", resource="role", resource_name=rollup_role_name(hq))


class ForecastJobRole(Construct):
    """``role``: forecast-scaleout's SageMaker processing job; ``policy``: what the flow role adds for it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        market: Market,
        key: kms.IKey,
        lake: s3.IBucket,
        forecasts: dynamodb.ITable,
        image: ecr_assets.DockerImageAsset,
        flow_role: iam.IRole,
        hq_rollup_role: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description=f"forecast-scaleout's SageMaker processing job of market {market.id}: in-region data only",
        )
        self.quarantine = refused_key(market.id, JOB_CONSUMER, "").rsplit("/", 1)[0] + "/*"
        lake.grant_read(self.role, JOB_DATA)
        for objects in (JOB_DATA, self.quarantine):
            lake.grant_put(self.role, objects)
        forecasts.grant(self.role, "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem")
        key.grant_encrypt_decrypt(self.role)  # the table, the bucket's objects, the job's volume and outputs
        iam.Grant.add_to_principal(  # the job's volume: SageMaker creates a grant on the key for it
            grantee=self.role,
            actions=["kms:CreateGrant"],
            resource_arns=[key.key_arn],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        )
        image.repository.grant_pull(self.role)
        self.job_logs = arn(
            stack,
            service="logs",
            resource="log-group",
            resource_name=f"{JOB_LOGS}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        iam.Grant.add_to_principal(
            grantee=self.role,
            resource_arns=[self.job_logs],
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        )
        self.jobs = arn(
            stack, service="sagemaker", resource="processing-job", resource_name=f"{job_name_prefix(market.id)}*"
        )
        statements = [
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[self.role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            ),
            iam.PolicyStatement(
                actions=["sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob"], resources=[self.jobs]
            ),
        ]
        if hq_rollup_role:  # regional-processing's roll-up reads hq's aggregates as hq's reader
            statements.append(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[hq_rollup_role]))
        self.policy = iam.Policy(self, "FlowRoleGrants", roles=[flow_role], statements=statements)
        self._acknowledge(market, lake)

    def _acknowledge(self, market: Market, lake: s3.IBucket) -> None:
        policy = self.role.node.find_child("DefaultPolicy")
        acknowledge_grant_put(policy, lake, JOB_DATA, "forecast-scaleout's SageMaker job")
        acknowledge_grant_put(policy, lake, self.quarantine, "forecast-scaleout's SageMaker job (residency refusals)")
        acknowledge_key_grants(policy)
        reasons = {
            "AwsSolutions-IAM5[Action::s3:GetObject*]": "From bucket.grant_read on forecasting/ of the market's own "
            "bucket only: the job's sales input.",
            "AwsSolutions-IAM5[Action::s3:GetBucket*]": "From bucket.grant_read on the market's own bucket.",
            "AwsSolutions-IAM5[Action::s3:List*]": "From bucket.grant_read: SageMaker lists the input prefix "
            "(S3Prefix input, sharded by key).",
            "AwsSolutions-IAM5[Resource::*]": "ecr:GetAuthorizationToken (from repository.grant_pull) has no "
            "resource-level permissions; the image layers are read from the one assets repository only.",
            f"AwsSolutions-IAM5[Resource::{nag_resource(self, self.job_logs)}]": "SageMaker processing jobs log "
            "to this one log group, one stream per job.",
        }
        acknowledge_all(policy, reasons)
        acknowledge(
            self.policy,
            f"AwsSolutions-IAM5[Resource::{nag_resource(self, self.jobs)}]",
            "forecast-scaleout names each job by market and day (flows.forecast_scaleout.job_name); only "
            "this market's jobs, in its own Region.",
        )


class HqRollupRole(Construct):
    """``role``: hq's reader of the selling markets' aggregates (module docstring)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hq: Market,
        bucket: s3.IBucket,
        key: kms.IKey,
        markets: Sequence[Market] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        selling = list(markets) if markets is not None else selling_markets(load_markets())
        flow_roles = [
            f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{m.stack_name}-{FLOW_ROLE_PREFIX}*" for m in selling
        ]
        self.role = iam.Role(
            self,
            "Role",
            role_name=rollup_role_name(hq),
            assumed_by=iam.AccountPrincipal(Aws.ACCOUNT_ID).with_conditions(
                {"ArnLike": {"aws:PrincipalArn": flow_roles}}
            ),
            description="hq roll-up: reads the selling markets' aggregates/<market>/ exports in hq's bucket only",
        )
        self.exports = [bucket.arn_for_objects(f"{EXPORT_PREFIX}/{m.id}/*") for m in selling]
        prefixes = [f"{EXPORT_PREFIX}/", *(f"{EXPORT_PREFIX}/{m.id}/*" for m in selling)]
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=self.exports))
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": prefixes}},
            )
        )
        key.grant_decrypt(self.role)  # hq's bucket is SSE-KMS with hq's key
        policy = self.role.node.find_child("DefaultPolicy")
        for market in selling:
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[Resource::{arn_ref(bucket)}/{EXPORT_PREFIX}/{market.id}/*]",
                f"The roll-up reads market {market.id}'s screened aggregate exports (one object per day) under "
                "its own prefix only.",
            )
