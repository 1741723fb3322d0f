"""What the integration layer's ``local_aws`` fixture gives a test, and lookups in its stacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import boto3

from livebase.markets.resources import MarketResources
from livebase_local.aws.deploy import MarketDeployment
from livebase_local.aws.moto_server import LocalAws


@dataclass
class LocalAwsStack:
    """The moto server, the synthesised assembly and each market's deployment into it."""

    server: LocalAws
    endpoint_url: str
    assembly_dir: Path
    deployments: dict[str, MarketDeployment]
    deploy_seconds: float


def stack_resource(resources: MarketResources, logical_prefix: str, resource_type: str) -> str:
    """The physical id of the one resource of ``resource_type`` whose logical id starts with the prefix."""
    cloudformation = boto3.client("cloudformation", region_name=resources.region)
    found = cloudformation.describe_stack_resources(StackName=f"Livebase-{resources.market}")["StackResources"]
    [physical] = [
        r["PhysicalResourceId"]
        for r in found
        if r["LogicalResourceId"].startswith(logical_prefix) and r["ResourceType"] == resource_type
    ]
    return physical
