"""CloudFront in front of the data lake's ``replays/`` prefix only (never the rest of the lake).

Written at L1 because the L2 S3 origin grants CloudFront ``GetObject`` on the whole bucket; here
the bucket policy names ``replays/*`` and this one distribution.

Viewers: TLS 1.2 or later. With the market's ``edge.domain_name`` and ``edge.certificate_arn``
(ACM, us-east-1) the distribution answers on that name with SNI and the ``TLSv1.2_2021`` policy;
without them, on ``*.cloudfront.net`` with CloudFront's default certificate, whose policy
CloudFront sets itself (README: what it allows). ``edge.web_acl_arn`` attaches a CloudFront web
ACL by ARN (it must live in us-east-1; strict markets refuse it, see ``livebase.markets.deployment``).

Access logs go to the market's own access-log bucket under ``cloudfront/``: by standard (legacy)
logging, except in an opt-in Region (:data:`OPT_IN_REGIONS`), where CloudFront cannot deliver
legacy logs; there the bucket lets the market's v2 log delivery (``infra_cdk.edge_logs_stack``,
in us-east-1) write that prefix, and the stack outputs what that delivery needs.
"""

from __future__ import annotations

import json

from aws_cdk import Annotations, Aws, CfnOutput, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_cdk.components.functions import market_of
from infra_cdk.edge_logs_stack import LOG_PREFIX, SOURCES_CONTEXT, delivery_source_arn, log_sources
from infra_cdk.nag import acknowledge
from infra_cdk.scanners import acknowledge_everywhere

REPLAYS_PREFIX = "replays"
# Regions an account must opt in to (every Region launched after 20 March 2019): AWS Account Management
# reference, "Enable or disable AWS Regions in your account" (read 2026-12). CloudFront delivers no
# standard (legacy) logs to a bucket in one of them.
OPT_IN_REGIONS = frozenset(
    {"af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
     "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1",
     "me-central-1", "me-south-1", "mx-central-1"}
)  # fmt: skip
OUTPUT_DISTRIBUTION, OUTPUT_LOG_BUCKET = "ReplayDistributionId", "EdgeLogBucketName"
DEFAULT_CERTIFICATE = (
    "No custom domain in the market config (edge.domain_name, edge.certificate_arn): on the default "
    "*.cloudfront.net certificate CloudFront applies its own policy (TLSv1 and later may negotiate; "
    "README); TLSv1.2_2021 is set and takes effect once a market certificate is attached."
)
NO_WEB_ACL = (
    "GET/HEAD of static replay segments from a private S3 origin through OAC; no dynamic origin for a "
    "WAF to shield. A CloudFront web ACL lives in us-east-1 (sampled requests there): a standard "
    "market may attach one by ARN (edge.web_acl_arn), a strict one may not (README)."
)


class ReplayDistribution(Construct):
    """HTTPS-only, Origin Access Control, access logs into the market's log bucket (module docstring)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        market_id: str,
        bucket: s3.IBucket,
        key: kms.IKey,
        log_bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        edge = market_of(self).edge
        legacy_logs = Stack.of(self).region not in OPT_IN_REGIONS
        oac = cloudfront.S3OriginAccessControl(self, "OriginAccess", description=f"livebase {market_id} replays")
        self.distribution = cloudfront.CfnDistribution(
            self,
            "Distribution",
            distribution_config=cloudfront.CfnDistribution.DistributionConfigProperty(
                enabled=True,
                comment=f"livebase {market_id}: live-room replays",
                http_version="http2and3",
                ipv6_enabled=True,
                origins=[
                    cloudfront.CfnDistribution.OriginProperty(
                        id="replays",
                        domain_name=bucket.bucket_regional_domain_name,
                        origin_path=f"/{REPLAYS_PREFIX}",
                        s3_origin_config=cloudfront.CfnDistribution.S3OriginConfigProperty(origin_access_identity=""),
                        origin_access_control_id=oac.origin_access_control_id,
                    )
                ],
                default_cache_behavior=cloudfront.CfnDistribution.DefaultCacheBehaviorProperty(
                    target_origin_id="replays",
                    viewer_protocol_policy="https-only",
                    allowed_methods=["GET", "HEAD"],
                    cached_methods=["GET", "HEAD"],
                    compress=True,
                    cache_policy_id=cloudfront.CachePolicy.CACHING_OPTIMIZED.cache_policy_id,
                ),
                aliases=[edge.domain_name] if edge.domain_name else None,
                viewer_certificate=_viewer_certificate(edge.certificate_arn),
                web_acl_id=edge.web_acl_arn,
                logging=cloudfront.CfnDistribution.LoggingProperty(
                    bucket=log_bucket.bucket_regional_domain_name, prefix=f"{LOG_PREFIX}/", include_cookies=False
                )
                if legacy_logs
                else None,
            ),
        )
        distribution_arn = f"arn:{Aws.PARTITION}:cloudfront::{Aws.ACCOUNT_ID}:distribution/{self.distribution.ref}"
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                actions=["s3:GetObject"],
                resources=[bucket.arn_for_objects(f"{REPLAYS_PREFIX}/*")],
                conditions={"StringEquals": {"AWS:SourceArn": distribution_arn}},
            )
        )
        # The key cannot name the distribution (key -> bucket -> distribution would be a cycle), so it
        # names CloudFront distributions of this account; the bucket policy above narrows to this one.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={
                    "ArnLike": {"AWS:SourceArn": f"arn:{Aws.PARTITION}:cloudfront::{Aws.ACCOUNT_ID}:distribution/*"}
                },
            )
        )
        self._acknowledge(edge.certificate_arn, edge.web_acl_arn)
        if not legacy_logs:
            self._v2_log_delivery(market_id, log_bucket)

    def _v2_log_delivery(self, market_id: str, log_bucket: s3.IBucket) -> None:
        """Let the market's v2 delivery (in us-east-1) write the log prefix; say what it needs."""
        log_bucket.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[log_bucket.arn_for_objects(f"{LOG_PREFIX}/*")],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID, "s3:x-amz-acl": "bucket-owner-full-control"},
                    "ArnLike": {"aws:SourceArn": delivery_source_arn(market_id)},
                },
            )
        )
        CfnOutput(self, OUTPUT_DISTRIBUTION, key=OUTPUT_DISTRIBUTION, value=self.distribution.ref)
        CfnOutput(self, OUTPUT_LOG_BUCKET, key=OUTPUT_LOG_BUCKET, value=log_bucket.bucket_name)
        v2_logging = (
            f"{Stack.of(self).region} is an opt-in Region, where CloudFront delivers no standard (legacy) logs; "
            "standard logging v2 delivers them into this market's own log bucket instead "
            "(infra_cdk/edge_logs_stack.py, configured in us-east-1)."
        )
        acknowledge_everywhere(
            self.distribution, nag_rule="AwsSolutions-CFR3", checkov_id="CKV_AWS_86", reason=v2_logging
        )
        if market_id not in log_sources(self):
            needed = {
                market_id: {"distribution_id": f"<{OUTPUT_DISTRIBUTION}>", "log_bucket": f"<{OUTPUT_LOG_BUCKET}>"}
            }
            Annotations.of(self).add_warning_v2(
                "livebase:edge-logs",
                f"market {market_id}'s replay access logs need its v2 delivery in us-east-1: deploy this stack, then "
                f"synthesise with -c {SOURCES_CONTEXT}='{json.dumps(needed)}' (this stack's outputs) to add its "
                "edge-logs stack",
            )

    def _acknowledge(self, certificate_arn: str | None, web_acl_arn: str | None) -> None:
        for unset, nag_rule, checkov_id, reason in (
            (certificate_arn is None, "AwsSolutions-CFR4", "CKV_AWS_174", DEFAULT_CERTIFICATE),
            (web_acl_arn is None, "AwsSolutions-CFR2", "CKV_AWS_68", NO_WEB_ACL),
        ):
            if unset:
                acknowledge_everywhere(self.distribution, nag_rule=nag_rule, checkov_id=checkov_id, reason=reason)
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "Replays are public marketing content also watched by the diaspora abroad; the market config has "
            "no country list to restrict to (edge locations are airports), so no geo restriction.",
        )


def _viewer_certificate(certificate_arn: str | None) -> cloudfront.CfnDistribution.ViewerCertificateProperty:
    """TLS 1.2+ for viewers: the market's certificate by SNI, or CloudFront's default one."""
    if certificate_arn is None:
        return cloudfront.CfnDistribution.ViewerCertificateProperty(
            cloud_front_default_certificate=True, minimum_protocol_version="TLSv1.2_2021"
        )
    return cloudfront.CfnDistribution.ViewerCertificateProperty(
        acm_certificate_arn=certificate_arn, ssl_support_method="sni-only", minimum_protocol_version="TLSv1.2_2021"
    )
