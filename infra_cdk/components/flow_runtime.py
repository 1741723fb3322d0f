"""Where a selling market's Prefect flows run: its own account and Region, on ECS Fargate.

* An ECS cluster ``livebase-<market>`` (the name ``prefect.yaml``'s ECS jobs use), container insights on.
* The Prefect ECS worker of prefect-aws as a Fargate service polling work pool ``livebase-ecs``
  (``prefect.yaml``'s ECS pool), work queue ``livebase-<market>``: each market's worker starts only its
  own market's flow runs, as ECS tasks of this cluster under the market's flow role (``flow_role.py``)
  and the execution role below. prefect-aws's observer reads the cluster's task-state events from an SQS
  queue (a crashed task marks its flow run crashed); the worker answers ECS health checks on port 8080.
* The signal bridge (``flows.signal_bridge``) as a second Fargate service with its own task role:
  receive and delete on the replenish-signals and room-alert-signals queues, its stack's outputs,
  and its residency quarantine.
* Images built by ``cdk deploy`` from the repository's Dockerfile (DockerImageAsset: synth only
  fingerprints the build context, no Docker): stage ``flows`` (flow runs, the bridge, forecast-scaleout's
  SageMaker job) and stage ``worker`` (prefect-aws apart: it does not resolve with constraints.txt).
* The Prefect API: one Secrets Manager secret in the market's Region, encrypted with the market key, JSON
  ``{"PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_API_AUTH_STRING"}``: Prefect Cloud takes the URL and
  a key, a self-hosted server its URL and ``user:password`` (leave the other one empty). The stack creates
  it with empty values (``aws secretsmanager put-secret-value`` before the services start), unless the CDK
  context ``flow_prefect_secrets`` (``{market: secret name}``) names one that exists. ECS injects it by the
  execution role, so no task role reads it.
* Network: a VPC of the runtime's own, public subnets, no NAT gateway (:mod:`flow_network`: why not the
  market VPC option, and what each way costs).

Outputs (:data:`OUTPUT_KEYS`) name what ``prefect.yaml``'s ECS job variables need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, Fn, SecretValue, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_cdk.components.encryption import encrypted_log_group
from infra_cdk.components.flow_network import FlowNetwork
from infra_cdk.components.flow_runtime_roles import ForecastJobRole, arn, hq_rollup_role_arn
from infra_cdk.components.messaging import encrypted_queue
from infra_cdk.components.signals import MarketSignals
from infra_cdk.context import context_table
from infra_cdk.nag import acknowledge, acknowledge_grant_put, acknowledge_key_grants, nag_resource
from livebase.markets.config import Market
from livebase.privacy.refused import refused_key

PROJECT = Path(__file__).resolve().parents[2]  # the Docker build context: the repository root
WORK_POOL = "livebase-ecs"  # flows/prefect_yaml.py's ECS pool (tests/infra/test_flow_runtime.py reads prefect.yaml)
SECRET_CONTEXT = "flow_prefect_secrets"
PREFECT_SETTINGS = ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_API_AUTH_STRING")
BRIDGE_CONSUMER = "signal-bridge"  # flows.signal_bridge.CONSUMER
WORKER_SIZE = (512, 1024)  # cpu units, MiB: one Python process polling the API and calling ECS
BRIDGE_SIZE = (256, 512)  # long polling two queues
WORKER_HEALTH_PORT = 8080  # `prefect worker start --with-healthcheck`
OUTPUT_KEYS = (
    "FlowClusterName",
    "FlowWorkPoolName",
    "FlowWorkQueueName",
    "FlowImageUri",
    "FlowExecutionRoleArn",
    "FlowVpcId",
    "FlowSubnetIds",
    "FlowSecurityGroupId",
    "FlowLogGroupName",
    "FlowPrefectApiKeySecretArn",
    "FlowPrefectAuthStringSecretArn",
    "ForecastJobRoleArn",
)
# Fargate's task sizes: cpu units -> the memory (MiB) each allows (AWS ECS developer guide, task size).
FARGATE_MEMORY = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}


def fargate_size_ok(cpu: int, memory: int) -> bool:
    """Whether Fargate runs a task of ``cpu`` units and ``memory`` MiB (RegisterTaskDefinition refuses others)."""
    return memory in FARGATE_MEMORY.get(cpu, ())


def cluster_name(market_id: str) -> str:
    return f"livebase-{market_id}"


def work_queue_name(market_id: str) -> str:
    return f"livebase-{market_id}"


class FlowRuntime(Construct):
    """The cluster, network, images, secret, roles and services of one selling market (module docstring)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        market: Market,
        key: kms.IKey,
        flow_role: iam.IRole,
        lake: s3.IBucket,
        signals: MarketSignals,
        forecasts: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        for size in (WORKER_SIZE, BRIDGE_SIZE):
            assert fargate_size_ok(*size), f"Fargate has no task size {size}"
        stack = Stack.of(self)
        self.market = market
        self.cluster_arn = arn(stack, service="ecs", resource="cluster", resource_name=cluster_name(market.id))
        network = FlowNetwork(self, "Network", key=key)
        self.vpc, self.subnets, self.security_group = network.vpc, network.subnets, network.security_group
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=cluster_name(market.id),
            vpc=self.vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        build = {"directory": str(PROJECT), "platform": ecr_assets.Platform.LINUX_AMD64}
        self.flows_image = ecr_assets.DockerImageAsset(self, "FlowsImage", target="flows", **build)  # type: ignore[arg-type]
        self.worker_image = ecr_assets.DockerImageAsset(self, "WorkerImage", target="worker", **build)  # type: ignore[arg-type]
        self.log_group = encrypted_log_group(self, "Logs", key, f"/livebase/{market.id}/flows")
        self.secret = self._prefect_secret(key)
        self.execution_role = self._task_role(
            "ExecutionRole",
            f"Starts market {market.id}'s flow tasks: pulls images, writes logs, reads the Prefect secret",
        )
        # Flow runs' task definitions (registered by the worker) may ask the awslogs driver to create the group.
        self.log_group.grant(self.execution_role, "logs:CreateLogGroup")
        self.flows_image.repository.grant_pull(self.execution_role)  # flow runs use the flows image too
        self.worker = self._worker(key, flow_role)
        self.bridge = self._bridge(key, lake, signals)
        self.forecast_job = ForecastJobRole(
            self,
            "ForecastJob",
            market=market,
            key=key,
            lake=lake,
            forecasts=forecasts,
            image=self.flows_image,
            flow_role=flow_role,
            hq_rollup_role=hq_rollup_role_arn(stack),
        )
        self._outputs()
        self._acknowledge(lake)

    def _task_role(self, construct_id: str, description: str) -> iam.Role:
        """A role ECS tasks assume (the tasks' execution or their own); what it may do is granted where it is used."""
        return iam.Role(
            self, construct_id, assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"), description=description
        )

    def _prefect_secret(self, key: kms.IKey) -> secretsmanager.ISecret:
        named = context_table(self, SECRET_CONTEXT).get(self.market.id)  # cdk.json, or -c as JSON text
        if named:
            return secretsmanager.Secret.from_secret_name_v2(self, "PrefectApi", str(named))
        return secretsmanager.Secret(
            self,
            "PrefectApi",
            secret_name=f"livebase/{self.market.id}/prefect-api",
            encryption_key=key,
            description=f"Prefect API of market {self.market.id}'s worker, bridge and flow runs (JSON: "
            f"{', '.join(PREFECT_SETTINGS)}); put the values after the first deploy",
            secret_object_value={name: SecretValue.unsafe_plain_text("") for name in PREFECT_SETTINGS},
        )

    def _task_definition(self, construct_id: str, size: tuple[int, int], role: iam.IRole) -> ecs.FargateTaskDefinition:
        cpu, memory = size
        task = ecs.FargateTaskDefinition(
            self,
            construct_id,
            cpu=cpu,
            memory_limit_mib=memory,
            task_role=role,
            execution_role=self.execution_role,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64, operating_system_family=ecs.OperatingSystemFamily.LINUX
            ),
        )
        task.add_volume(name="scratch")  # /tmp: the root file system is read-only
        return task

    def _container(
        self,
        task: ecs.FargateTaskDefinition,
        name: str,
        image: ecr_assets.DockerImageAsset,
        command: list[str],
        environment: dict[str, str],
        health_check: ecs.HealthCheck | None = None,
    ) -> ecs.ContainerDefinition:
        region = Stack.of(self).region
        container = task.add_container(
            name,
            container_name=name,
            image=ecs.ContainerImage.from_docker_image_asset(image),
            command=command,
            environment={
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                "LIVEBASE_MARKET": self.market.id,
                **environment,
            },
            secrets={setting: ecs.Secret.from_secrets_manager(self.secret, setting) for setting in PREFECT_SETTINGS},
            logging=ecs.LogDrivers.aws_logs(stream_prefix=name, log_group=self.log_group),
            readonly_root_filesystem=True,
            health_check=health_check,
        )
        container.add_mount_points(ecs.MountPoint(container_path="/tmp", source_volume="scratch", read_only=False))
        return container

    def _service(self, construct_id: str, task: ecs.FargateTaskDefinition) -> ecs.FargateService:
        return ecs.FargateService(
            self,
            construct_id,
            cluster=self.cluster,
            task_definition=task,
            desired_count=1,
            assign_public_ip=True,
            vpc_subnets=self.subnets,
            security_groups=[self.security_group],
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
        )

    def _worker(self, key: kms.IKey, flow_role: iam.IRole) -> ecs.FargateService:
        """prefect-aws's worker: registers flow runs' task definitions and runs them in this cluster only."""
        stack, market_id = Stack.of(self), self.market.id
        role = self._task_role(
            "WorkerRole",
            f"Prefect ECS worker of market {market_id}: flow tasks of cluster {cluster_name(market_id)}",
        )
        self.worker_role = role
        events_queue = encrypted_queue(self, "EcsEvents", key=key, retention_period=Duration.days(1))
        events.Rule(
            self,
            "EcsTaskEvents",
            description=f"ECS task-state changes of {cluster_name(market_id)} to its worker",
            event_pattern=events.EventPattern(
                source=["aws.ecs"], detail_type=["ECS Task State Change"], detail={"clusterArn": [self.cluster_arn]}
            ),
        ).add_target(targets.SqsQueue(events_queue))
        self.events_queue = events_queue
        events_queue.grant_consume_messages(role)
        tasks = arn(stack, service="ecs", resource="task", resource_name=f"{cluster_name(market_id)}/*")
        task_definitions = arn(stack, service="ecs", resource="task-definition", resource_name="*")
        on_cluster = {"ArnEquals": {"ecs:cluster": self.cluster_arn}}
        statements: list[tuple[list[str], list[str], dict[str, Any] | None]] = [
            (["ecs:RunTask"], [task_definitions], on_cluster),
            (["ecs:DescribeTasks", "ecs:StopTask"], [tasks], on_cluster),
            (["ecs:TagResource"], [tasks, task_definitions],
             {"StringEquals": {"ecs:CreateAction": ["RunTask", "RegisterTaskDefinition"]}}),
            (["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition",
              "ec2:DescribeVpcs", "ec2:DescribeSubnets"], ["*"], None),
            (["iam:PassRole"], [flow_role.role_arn, self.execution_role.role_arn],
             {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
        ]  # fmt: skip
        for actions, resources, conditions in statements:
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=actions, resources=resources, conditions=conditions)
            )
        self.log_group.grant(role, "logs:GetLogEvents")  # the observer forwards a crashed run's last log lines
        task = self._task_definition("WorkerTask", WORKER_SIZE, role)
        probe = (
            f"import urllib.request; urllib.request.urlopen('http://localhost:{WORKER_HEALTH_PORT}/health', timeout=5)"
        )
        command = ["prefect", "worker", "start", "--type", "ecs", "--pool", WORK_POOL,
                   "--work-queue", work_queue_name(market_id), "--with-healthcheck"]  # fmt: skip
        observer = {
            "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME": events_queue.queue_name,
            "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_REGION": stack.region,
        }
        health = ecs.HealthCheck(
            command=["CMD-SHELL", f'python -c "{probe}"'], interval=Duration.seconds(30),
            timeout=Duration.seconds(5), retries=3, start_period=Duration.seconds(60),
        )  # fmt: skip
        self._container(task, "prefect-worker", self.worker_image, command, observer, health_check=health)
        return self._service("Worker", task)

    def _bridge(self, key: kms.IKey, lake: s3.IBucket, signals: MarketSignals) -> ecs.FargateService:
        """``python -m flows.signal_bridge <market>``: the two signal queues into Prefect events."""
        stack, market_id = Stack.of(self), self.market.id
        role = self._task_role(
            "BridgeRole",
            f"Signal bridge of market {market_id}: its signal queues, its stack's outputs, its quarantine",
        )
        self.bridge_role = role
        self.signal_queues = (signals.replenish.queue, signals.room_signals.queue)
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["sqs:ReceiveMessage", "sqs:DeleteMessage"],
            resource_arns=[queue.queue_arn for queue in self.signal_queues],
        )
        key.grant_decrypt(role)  # the queues are SSE-KMS with the market key
        iam.Grant.add_to_principal(  # flows.markets.market_resources: the queue URLs and bucket, by DescribeStacks
            grantee=role, actions=["cloudformation:DescribeStacks"], resource_arns=[stack.stack_id]
        )
        self.bridge_quarantine = refused_key(market_id, BRIDGE_CONSUMER, "").rsplit("/", 1)[0] + "/*"
        lake.grant_put(role, self.bridge_quarantine)  # what the residency guard refused (flows.signal_bridge)
        task = self._task_definition("BridgeTask", BRIDGE_SIZE, role)
        self._container(task, "signal-bridge", self.flows_image, ["python", "-m", "flows.signal_bridge", market_id], {})
        return self._service("Bridge", task)

    def _outputs(self) -> None:
        market_id, secret_arn = self.market.id, self.secret.secret_arn
        values = {
            "FlowClusterName": cluster_name(market_id),
            "FlowWorkPoolName": WORK_POOL,
            "FlowWorkQueueName": work_queue_name(market_id),
            "FlowImageUri": self.flows_image.image_uri,
            "FlowExecutionRoleArn": self.execution_role.role_arn,
            "FlowVpcId": self.vpc.vpc_id,
            "FlowSubnetIds": Fn.join(",", [s.subnet_id for s in self.vpc.public_subnets]),
            "FlowSecurityGroupId": self.security_group.security_group_id,
            "FlowLogGroupName": self.log_group.log_group_name,
            # prefect-aws's prefect_api_key_secret_arn / prefect_api_auth_string_secret_arn: one JSON key each
            "FlowPrefectApiKeySecretArn": Fn.join("", [secret_arn, ":PREFECT_API_KEY::"]),
            "FlowPrefectAuthStringSecretArn": Fn.join("", [secret_arn, ":PREFECT_API_AUTH_STRING::"]),
            "ForecastJobRoleArn": self.forecast_job.role.role_arn,
        }
        assert tuple(values) == OUTPUT_KEYS
        for output_key, value in values.items():
            CfnOutput(self, output_key, key=output_key, value=value)

    def _acknowledge(self, lake: s3.IBucket) -> None:
        """cdk-nag's findings on the runtime, each with its reason."""
        stack, cluster = Stack.of(self), cluster_name(self.market.id)
        worker = self.worker_role.node.find_child("DefaultPolicy")
        findings = [
            (self.secret, "AwsSolutions-SMG4", "The Prefect API key or auth string is issued by Prefect (Cloud or "
             "the self-hosted server), not by AWS: rotate it there, then put the new value here."),
            (self.events_queue, "AwsSolutions-SQS3", "ECS task-state events for the worker's observer only: one it "
             "cannot read is stale within minutes (the worker reads the task from ECS again); kept a day."),
            *((self.node.find_child(task), "AwsSolutions-ECS2", "Plain settings only (Region, market, observer "
               "queue name); the Prefect API URL, key and auth string come from Secrets Manager.")
              for task in ("WorkerTask", "BridgeTask")),
            (self.execution_role.node.find_child("DefaultPolicy"), "AwsSolutions-IAM5[Resource::*]",
             "ecr:GetAuthorizationToken (image pulls) has no resource-level permissions; layers are read from the "
             "one assets repository only."),
            (worker, "AwsSolutions-IAM5[Resource::*]", "ecs:RegisterTaskDefinition, DeregisterTaskDefinition, "
             "DescribeTaskDefinition, ec2:DescribeVpcs and DescribeSubnets have no resource-level permissions."),
            (worker, "AwsSolutions-IAM5[Resource::"
             f"{nag_resource(self, arn(stack, service='ecs', resource='task-definition', resource_name='*'))}]",
             "prefect-aws registers one task definition per deployment (family named at run time); RunTask only in "
             "this market's cluster."),
            (worker, "AwsSolutions-IAM5[Resource::"
             f"{nag_resource(self, arn(stack, service='ecs', resource='task', resource_name=f'{cluster}/*'))}]",
             "The flow runs' tasks of this market's cluster only; task ids are known at run time."),
        ]  # fmt: skip
        for scope, rule, reason in findings:
            acknowledge(scope, rule, reason)
        bridge = self.bridge_role.node.find_child("DefaultPolicy")
        acknowledge_grant_put(bridge, lake, self.bridge_quarantine, "The signal bridge (residency refusals)")
        acknowledge_key_grants(bridge)
