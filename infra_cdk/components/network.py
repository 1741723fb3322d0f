"""The market option ``functions.vpc``: the market's Lambdas in private subnets that reach AWS only
through VPC endpoints (no internet gateway, no NAT), with flow logs.

One per stack, built on first use by ``market_function`` (:func:`market_network`). Gateway
endpoints (S3, DynamoDB) are free; each interface endpoint is billed per AZ and hour plus per GB
(README: Infrastructure security, the figures). The endpoints are the services the functions
call themselves; the Lambda service (not the function) reads the streams and queues of event
source mappings and writes the logs, so those need none. Functions calling a service with no
endpoint (IVS, MediaLive, IoT ``DescribeEndpoint``) stay outside, named in :data:`OUTSIDE_VPC`.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra_cdk.components.encryption import encrypted_log_group
from infra_cdk.nag import acknowledge

NETWORK_ID = "Network"
AZ_COUNT = 2
INTERFACE_SERVICES = {
    "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,  # DLQ notices, quarantine
    "Events": ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE,  # bus puts
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,  # pseudonyms (GenerateMac), SSE-KMS data keys
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,  # passport supplier keys
    "XRay": ec2.InterfaceVpcEndpointAwsService.XRAY,  # active tracing
}
OUTSIDE_VPC = {
    "room_cue": "Puts timed metadata with IVS PutMetadata / MediaLive BatchUpdateSchedule, which have no VPC "
    "endpoint; without a NAT gateway it could not reach them. It reads no personal data (stock cues).",
    "studio_failover": "Calls iot:DescribeEndpoint and MediaLive, which have no VPC endpoint; without a NAT "
    "gateway it could not reach them. It reads no personal data (device incidents).",
}


class MarketNetwork(Construct):
    """The VPC, the functions' security group and the endpoints (see the module docstring)."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.vpc, self.subnets = nat_free_vpc(
            self,
            key,
            ec2.SubnetConfiguration(name="functions", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=22),
        )
        self.functions_group = ec2.SecurityGroup(
            self, "Functions", vpc=self.vpc, allow_all_outbound=False,
            description="Market Lambdas: HTTPS to the VPC endpoints only",
        )  # fmt: skip
        endpoints_group = ec2.SecurityGroup(
            self, "Endpoints", vpc=self.vpc, allow_all_outbound=False,
            description="Interface endpoints: HTTPS from the market Lambdas",
        )  # fmt: skip
        endpoints_group.add_ingress_rule(self.functions_group, ec2.Port.tcp(443), "HTTPS from the market Lambdas")
        acknowledge(
            endpoints_group, "AwsSolutions-EC23",
            "Ingress is HTTPS from the functions' security group only (a group reference, which the rule cannot "
            "evaluate), never a CIDR; the subnets have no internet route.",
        )  # fmt: skip
        # HTTPS to any address, but the subnets have no internet route: it reaches the interface
        # endpoints and the S3 / DynamoDB gateway routes only (their prefix lists need a lookup).
        self.functions_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to the VPC endpoints")
        for name, service in (
            ("S3", ec2.GatewayVpcEndpointAwsService.S3),
            ("DynamoDb", ec2.GatewayVpcEndpointAwsService.DYNAMODB),
        ):
            self.vpc.add_gateway_endpoint(name, service=service, subnets=[self.subnets])
        for name, interface in INTERFACE_SERVICES.items():
            self.vpc.add_interface_endpoint(
                name, service=interface, subnets=self.subnets, security_groups=[endpoints_group],
                private_dns_enabled=True,
            )  # fmt: skip


def nat_free_vpc(
    scope: Construct, key: kms.IKey, subnets: ec2.SubnetConfiguration, *, cidr: str | None = None
) -> tuple[ec2.Vpc, ec2.SubnetSelection]:
    """``Vpc`` of ``scope``: one group of ``subnets`` in :data:`AZ_COUNT` AZs (read at deploy), no NAT gateway,
    flow logs (:func:`flow_logs_to`); the VPC and the selection of those subnets. ``cidr``: CDK's default if None.
    """
    vpc = ec2.Vpc(
        scope,
        "Vpc",
        ip_addresses=ec2.IpAddresses.cidr(cidr) if cidr else None,
        availability_zones=placeholder_zones(scope),
        nat_gateways=0,
        subnet_configuration=[subnets],
        # The restriction is a custom resource (a Lambda of CDK's); nothing is placed in the default group.
        restrict_default_security_group=False,
        flow_logs=flow_logs_to(scope, key),
    )
    selection = ec2.SubnetSelection(subnet_type=subnets.subnet_type)
    zones_read_at_deploy(vpc.select_subnets(subnet_type=subnets.subnet_type).subnets)
    return vpc, selection


def placeholder_zones(scope: Construct) -> list[str]:
    """AZ names not looked up, so synth stays offline; :func:`zones_read_at_deploy` replaces them."""
    region = Stack.of(scope).region
    return [f"{region}{suffix}" for suffix in "abc"[:AZ_COUNT]]


def zones_read_at_deploy(subnets: Sequence[ec2.ISubnet]) -> None:
    """Each subnet takes its AZ from the Region's own list (``Fn::GetAZs``), read at deploy."""
    for index, subnet in enumerate(subnets):
        cfn_subnet = subnet.node.default_child
        assert isinstance(cfn_subnet, ec2.CfnSubnet)
        cfn_subnet.add_property_override("AvailabilityZone", Fn.select(index, Fn.get_azs()))


def flow_logs_to(scope: Construct, key: kms.IKey) -> dict[str, ec2.FlowLogOptions]:
    """A VPC's flow logs: all traffic, to a log group of ``scope`` kept a month and encrypted with ``key``."""
    group = encrypted_log_group(scope, "FlowLogs", key)
    return {"All": ec2.FlowLogOptions(destination=ec2.FlowLogDestination.to_cloud_watch_logs(group))}


def market_network(scope: Construct, key: kms.IKey) -> MarketNetwork:
    """The stack's network, created by the first function that needs it."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(NETWORK_ID)
    if isinstance(existing, MarketNetwork):
        return existing
    return MarketNetwork(stack, NETWORK_ID, key=key)
