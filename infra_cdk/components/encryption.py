"""The market's own KMS key: single-Region (key material never leaves), rotated yearly."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra_cdk.nag import acknowledge
from infra_cdk.scanners import skip_checkov


class MarketKey(Construct):
    """One customer-managed key per market, used by every store, queue and topic of the stack."""

    def __init__(self, scope: Construct, construct_id: str, *, market_id: str) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region
        log_groups = f"arn:{Aws.PARTITION}:logs:{region}:{Aws.ACCOUNT_ID}:*"
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/livebase-{market_id}",
            description=f"Livebase {market_id}: encrypts this market's data at rest (single-Region)",
            enable_key_rotation=True,
            multi_region=False,
        )
        # CloudWatch Logs encrypts the market's log groups, scoped to this account and Region.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
            )
        )

    def add_pseudonym_key(self, market_id: str) -> kms.Key:
        """The market's HMAC key for viewer pseudonyms (``livebase.privacy.pseudonyms``): GenerateMac
        only, single-Region, so the keyed hash can be computed in this market's region and nowhere else."""
        self.pseudonym_key = kms.Key(
            self,
            "PseudonymKey",
            alias=f"alias/livebase-{market_id}-pseudonyms",
            description=f"Livebase {market_id}: keyed hash of viewer ids (HMAC, never leaves KMS)",
            key_spec=kms.KeySpec.HMAC_256,
            key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
            multi_region=False,
        )
        no_rotation = (
            "HMAC keys cannot rotate automatically, and rotating this one on purpose would change every "
            "viewer's pseudonym and break each viewer's history; its material never leaves KMS."
        )
        acknowledge(self.pseudonym_key, "AwsSolutions-KMS5", no_rotation)
        skip_checkov(self.pseudonym_key, "CKV_AWS_7", no_rotation)
        return self.pseudonym_key

    def allow_alarm_notifications(self) -> None:
        """CloudWatch alarms publish to the KMS-encrypted alarm topic only if the key lets them."""
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )


def encrypted_log_group(scope: Construct, construct_id: str, key: kms.IKey, name: str | None = None) -> logs.LogGroup:
    """Every log group of the stacks: encrypted with the market's key, kept a month, gone with the stack."""
    return logs.LogGroup(
        scope, construct_id, log_group_name=name, retention=logs.RetentionDays.ONE_MONTH, encryption_key=key,
        removal_policy=RemovalPolicy.DESTROY,
    )  # fmt: skip
