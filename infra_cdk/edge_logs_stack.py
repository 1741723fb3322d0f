"""``Livebase-<market>-edge-logs`` (us-east-1): the replay distribution's access logs for a market in
an opt-in Region, delivered into the market's own log bucket.

CloudFront's standard (legacy) logs cannot be delivered to a bucket in an opt-in Region (me-*,
af-*, ap-east-1, ...), so mena's distribution would log nowhere. Standard logging v2 (CloudWatch
Logs vended delivery: ``AWS::Logs::DeliverySource`` / ``DeliveryDestination`` / ``Delivery``, L1s
in aws-cdk-lib 2.275) can write to S3 in an opt-in Region, but CloudWatch Logs accepts a CloudFront
distribution as a delivery source only in us-east-1, CloudFront's control-plane Region. So the
three resources live in this small stack there, and the logs land where the legacy ones land for
every other market: the market's own access-log bucket, under ``cloudfront/``, in its Region.

Chosen over the alternative, a log bucket in a permitted Region holding no personal data: a
CloudFront access log carries the viewer's IP address (personal data; legacy logging cannot leave
it out), and a strict market's personal data stays in its Region. What this stack holds in
us-east-1 is configuration only (names and ARNs): no log is stored there.

The distribution id and the bucket name are known only once the market stack is deployed, and
the stack names them by context, never by a cross-Region reference (which the residency aspect
refuses): deploy the market, then synthesise with ``-c replay_log_sources='{"<market>":
{"distribution_id": "<ReplayDistributionId>", "log_bucket": "<EdgeLogBucketName>"}}'`` (both are
the market stack's outputs; ``./livebase deploy`` passes them). Until then the market stack warns.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra_cdk.context import context_table
from livebase.markets.config import Market

CONTROL_PLANE_REGION = "us-east-1"  # where CloudWatch Logs takes a CloudFront distribution as a delivery source
SOURCES_CONTEXT = "replay_log_sources"
LOG_PREFIX = "cloudfront"  # the same prefix as legacy logging uses in the other markets' log buckets


def edge_logs_stack_name(market: Market) -> str:
    return f"{market.stack_name}-edge-logs"


def delivery_source_name(market_id: str) -> str:
    """Fixed, so the market's bucket policy can name the only source that may write its logs."""
    return f"livebase-{market_id}-replays"


def delivery_source_arn(market_id: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:logs:{CONTROL_PLANE_REGION}:{cdk.Aws.ACCOUNT_ID}:delivery-source:" + (
        delivery_source_name(market_id)
    )


def log_sources(scope: Construct) -> dict[str, dict[str, str]]:
    """The ``replay_log_sources`` context value (a mapping, or its JSON from ``-c``): market -> ids."""
    return context_table(scope, SOURCES_CONTEXT)


class EdgeLogsStack(cdk.Stack):
    """The v2 log delivery of one market's replay distribution into its own bucket (module docstring)."""

    def __init__(self, scope: Construct, *, market: Market, distribution_id: str, log_bucket: str) -> None:
        super().__init__(
            scope,
            edge_logs_stack_name(market),
            env=cdk.Environment(region=CONTROL_PLANE_REGION),
            description=f"Livebase {market.name} ({market.id}): replay access logs into the market's own bucket",
            tags={"livebase:market": market.id, "livebase:role": "edge-log-delivery"},
        )
        source = logs.CfnDeliverySource(
            self,
            "ReplaysSource",
            name=delivery_source_name(market.id),
            log_type="ACCESS_LOGS",
            resource_arn=f"arn:{cdk.Aws.PARTITION}:cloudfront::{cdk.Aws.ACCOUNT_ID}:distribution/{distribution_id}",
        )
        destination = logs.CfnDeliveryDestination(
            self,
            "MarketLogBucket",
            name=f"livebase-{market.id}-replay-logs",
            destination_resource_arn=f"arn:{cdk.Aws.PARTITION}:s3:::{log_bucket}/{LOG_PREFIX}",
        )
        delivery = logs.CfnDelivery(
            self,
            "ReplayLogs",
            delivery_source_name=delivery_source_name(market.id),
            delivery_destination_arn=destination.attr_arn,
        )
        delivery.add_dependency(source)
