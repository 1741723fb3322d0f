"""The flow runtime's network (:mod:`flow_runtime`): a VPC of its own, public subnets, no NAT gateway.

Why not the market VPC option (:mod:`network`): it has no internet route, and the worker, the bridge
and the flow runs must reach the Prefect API (Prefect Cloud is on the internet; so is a self-hosted
server outside the VPC), ECR, and services with no VPC endpoint (IVS, MediaLive for session-channels).
The ways there and what they cost a month (us-east-1 list prices, 2026):

* a NAT gateway: ~33 USD per AZ plus 0.045 USD per GB processed (two AZs: ~66 USD before traffic);
* interface endpoints: ~7.30 USD each per AZ (ECR API, ECR images, logs, CloudFormation, SageMaker, ...)
  and the Prefect API still unreachable;
* this one: the VPC, its subnets and internet gateway are free; each running task has a public IPv4
  address at 0.005 USD an hour (~7.30 USD for the always-on worker and bridge together; flow runs by the
  hour), flow logs by CloudWatch ingestion. Tasks take the address explicitly (subnets do not hand one
  out), and their security group has no ingress at all and lets out HTTPS only.
"""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra_cdk.components.network import nat_free_vpc

VPC_CIDR = "10.80.0.0/20"  # apart from the market VPC's default range, should the two ever be peered


class FlowNetwork(Construct):
    """``vpc``, ``subnets`` (public, two AZs) and ``security_group`` (no ingress, HTTPS out) of the runtime."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.vpc, self.subnets = nat_free_vpc(
            self, key, cidr=VPC_CIDR,
            subnets=ec2.SubnetConfiguration(
                name="tasks", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24, map_public_ip_on_launch=False,
            ),
        )  # fmt: skip
        self.security_group = ec2.SecurityGroup(
            self, "Tasks", vpc=self.vpc, allow_all_outbound=False,
            description="Flow tasks: no ingress; HTTPS out to the Prefect API and AWS",
        )  # fmt: skip
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to the Prefect API and AWS")
