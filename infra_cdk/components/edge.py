"""CloudFront in front of the data lake's ``replays/`` prefix only (never the rest of the lake).

Written at L1 because the L2 S3 origin grants CloudFront ``GetObject`` on the whole bucket; here
the bucket policy names ``replays/*`` and this one distribution.

Viewers: TLS 1.2 or later. With the market's ``edge.domain_name`` and ``edge.certificate_arn``
(ACM, us-east-1) the distribution answers on that name with SNI and the ``TLSv1.2_2021`` policy;
without them, on ``*.cloudfront.net`` with CloudFront's default certificate, whose policy
CloudFront sets itself (README: what it allows). ``edge.web_acl_arn`` attaches a CloudFront web
ACL by ARN (it must live in us-east-1; strict markets refuse it, see ``livebase.markets.deployment``).
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_cdk.components.functions import market_of
from infra_cdk.nag import acknowledge
from infra_cdk.scanners import skip_checkov

REPLAYS_PREFIX = "replays"


class ReplayDistribution(Construct):
    """HTTPS-only, Origin Access Control, standard logs into the market's log bucket."""

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
                    bucket=log_bucket.bucket_regional_domain_name, prefix="cloudfront/", include_cookies=False
                ),
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

    def _acknowledge(self, certificate_arn: str | None, web_acl_arn: str | None) -> None:
        if certificate_arn is None:
            default_certificate = (
                "No custom domain in the market config (edge.domain_name, edge.certificate_arn): on the default "
                "*.cloudfront.net certificate CloudFront applies its own policy (TLSv1 and later may negotiate; "
                "README); TLSv1.2_2021 is set and takes effect once a market certificate is attached."
            )
            acknowledge(self.distribution, "AwsSolutions-CFR4", default_certificate)
            skip_checkov(self.distribution, "CKV_AWS_174", default_certificate)
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "Replays are public marketing content also watched by the diaspora abroad; the market config has "
            "no country list to restrict to (edge locations are airports), so no geo restriction.",
        )
        if web_acl_arn is None:
            no_web_acl = (
                "GET/HEAD of static replay segments from a private S3 origin through OAC; no dynamic origin for a "
                "WAF to shield. A CloudFront web ACL lives in us-east-1 (sampled requests there): a standard "
                "market may attach one by ARN (edge.web_acl_arn), a strict one may not (README)."
            )
            acknowledge(self.distribution, "AwsSolutions-CFR2", no_web_acl)
            skip_checkov(self.distribution, "CKV_AWS_68", no_web_acl)


def _viewer_certificate(certificate_arn: str | None) -> cloudfront.CfnDistribution.ViewerCertificateProperty:
    """TLS 1.2+ for viewers: the market's certificate by SNI, or CloudFront's default one."""
    if certificate_arn is None:
        return cloudfront.CfnDistribution.ViewerCertificateProperty(
            cloud_front_default_certificate=True, minimum_protocol_version="TLSv1.2_2021"
        )
    return cloudfront.CfnDistribution.ViewerCertificateProperty(
        acm_certificate_arn=certificate_arn, ssl_support_method="sni-only", minimum_protocol_version="TLSv1.2_2021"
    )
