"""The market's data-lake bucket (KMS, versioned, private) and the log bucket it writes to."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_cdk.scanners import acknowledge_everywhere
from livebase.privacy.retention import LakeRule


class DataLake(Construct):
    """Buckets stay in the market's Region; nothing here replicates anywhere.

    ``expiry``: the market's retention per personal prefix (``livebase.privacy.retention``). The
    bucket is versioned, so each rule also removes the expired object's older versions a day
    after they stop being current: expired personal data is gone, not merely hidden.
    """

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, expiry: Sequence[LakeRule] = ()) -> None:
        super().__init__(scope, construct_id)
        self.log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            # S3 server access logging and CloudFront standard logs cannot write to SSE-KMS buckets.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # CloudFront standard logging delivers through bucket ACLs, so ACLs must stay enabled.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            versioned=True,  # an overwritten or deleted log stays recoverable for 30 days
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(365),
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
        )
        acknowledge_everywhere(
            self.log_bucket, nag_rule="AwsSolutions-S1", checkov_id="CKV_AWS_18",
            reason="This is the access-log bucket itself; logging it into itself would loop, and a third bucket "
            "would only move the finding.",
        )  # fmt: skip
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="s3/data-lake/",
            lifecycle_rules=[
                *(
                    s3.LifecycleRule(
                        id=rule.rule_id,
                        prefix=rule.prefix,
                        expiration=Duration.days(rule.days),
                        noncurrent_version_expiration=Duration.days(1),
                    )
                    for rule in expiry
                ),
                s3.LifecycleRule(id="expire-old-versions", noncurrent_version_expiration=Duration.days(90)),
            ],
        )
