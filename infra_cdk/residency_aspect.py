"""Synth-time residency guard: a market's stack may hold nothing that takes its data out of its Region.

Every market that holds personal data is policed, ``strict`` and ``standard`` alike (a standard
market may not send personal data to hq either); only the aggregates-only market (hq) is not.
Fails synth (error annotations) on DynamoDB global-table replicas, S3 replication, multi-Region
KMS keys, cross-Region references (CDK's ``cross_region_references`` export writer / reader),
stack exports (``CfnOutput(export_name=...)``: other stacks would import the market's names;
tools read outputs instead) and any stack not pinned to the market's Region. Pair it with
account guardrails (SCPs): this catches mistakes in code, not people with console access.
The run-time half is ``livebase.privacy.guard``.
"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import Annotations, CfnOutput, CfnResource, IAspect, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from livebase.markets.config import Market, ResidencyMode

# CDK's dynamodb.Table(replication_regions=...) creates replicas through this custom resource.
TABLE_REPLICA_RESOURCE = "Custom::DynamoDBReplica"
# Stack(cross_region_references=True) passes values between Regions through these custom resources.
CROSS_REGION_RESOURCES = ("Custom::CrossRegionExportWriter", "Custom::CrossRegionExportReader")


@jsii.implements(IAspect)
class ResidencyAspect:
    """Visit every construct of a market's stack; add an error for each cross-Region construct."""

    def __init__(self, market: Market) -> None:
        self.market = market

    def visit(self, node: IConstruct) -> None:
        if self.market.residency is ResidencyMode.AGGREGATES_ONLY:
            return  # holds nothing personal
        problem = self._problem(node)
        if problem:
            Annotations.of(node).add_error(
                f"residency: market {self.market.id!r} is {self.market.residency.value} (personal data stays in "
                f"{self.market.region}); {problem}"
            )

    def _problem(self, node: IConstruct) -> str | None:
        home = self.market.region
        if isinstance(node, Stack):
            if Token.is_unresolved(node.region):
                return f"stack {node.stack_name} is not pinned to a Region"
            if node.region != home:
                return f"stack {node.stack_name} is in {node.region}"
            return None
        if isinstance(node, dynamodb.CfnGlobalTable):
            regions = {r.get("region", r.get("Region")) for r in _resolved(node, node.replicas)} - {home}
            return f"DynamoDB global table has replicas in {sorted(map(str, regions))}" if regions else None
        if isinstance(node, CfnResource) and node.cfn_resource_type == TABLE_REPLICA_RESOURCE:
            return "DynamoDB table replica (replication_regions) is not allowed"
        if isinstance(node, s3.CfnBucket) and node.replication_configuration is not None:
            return "S3 bucket replication is not allowed"
        if isinstance(node, kms.CfnKey) and _resolved(node, node.multi_region) is True:
            return "multi-Region KMS keys copy key material to other Regions"
        if isinstance(node, kms.CfnReplicaKey):
            return "KMS replica keys live in other Regions"
        if isinstance(node, CfnResource) and node.cfn_resource_type in CROSS_REGION_RESOURCES:
            return f"cross-Region reference ({node.cfn_resource_type}) is not allowed"
        if isinstance(node, CfnOutput) and node.export_name is not None:
            return f"stack export {node.export_name!r}: other stacks would import this market's names"
        return None


def _resolved(node: IConstruct, value: Any) -> Any:
    resolved = Stack.of(node).resolve(value)
    return resolved if resolved is not None else []
