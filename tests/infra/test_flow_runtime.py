"""The flows' runtime in each selling market (infra_cdk/components/flow_runtime.py, flow_runtime_roles.py),
on the templates: cluster, worker and bridge services, images, secret, network, roles and outputs; the
Dockerfile's install step against the project's pins, without Docker."""

from __future__ import annotations

import json
import subprocess
import venv
from typing import Any

import pytest
import yaml
from aws_cdk.assertions import Match, Template

from infra_cdk.components.flow_runtime import (
    BRIDGE_SIZE,
    OUTPUT_KEYS,
    PREFECT_SETTINGS,
    PROJECT,
    WORK_POOL,
    WORKER_SIZE,
    cluster_name,
    fargate_size_ok,
    work_queue_name,
)
from infra_cdk.components.flow_runtime_roles import rollup_role_name
from infra_cdk.components.functions import RUNTIME
from livebase.markets.config import hq_market
from tests.infra.stacks import HQ, MARKETS, SELLING, as_list, resources

REQUIREMENTS = {
    "flows": PROJECT / "infra_cdk" / "flow-image-requirements.txt",
    "worker": PROJECT / "infra_cdk" / "worker-image-requirements.txt",
}


def one(raw: dict[str, Any], prefix: str, kind: str) -> str:
    [found] = [k for k, v in raw["Resources"].items() if k.startswith(prefix) and v["Type"] == kind]
    return found


def statements_of(raw: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    """Every statement of every policy attached to the role (its default policy and any other)."""
    return [
        statement
        for policy in resources(raw, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def granted(raw: dict[str, Any], role_id: str, action: str) -> list[Any]:
    return [r for s in statements_of(raw, role_id) if action in as_list(s["Action"]) for r in as_list(s["Resource"])]


def suffix(resource: Any) -> str:
    """The literal end of an ARN joined from a resource's attribute and a path (``<bucket ARN>/prefix/*``)."""
    return str(resource["Fn::Join"][1][-1])


def container(raw: dict[str, Any], task_prefix: str) -> dict[str, Any]:
    [definition] = raw["Resources"][one(raw, task_prefix, "AWS::ECS::TaskDefinition")]["Properties"][
        "ContainerDefinitions"
    ]
    return dict(definition)


@pytest.mark.parametrize("market_id", SELLING)
def test_cluster_worker_and_bridge_run_on_fargate_in_the_runtime_network(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    template = Template.from_json(raw)
    template.has_resource_properties(
        "AWS::ECS::Cluster",
        {
            "ClusterName": cluster_name(market_id),
            "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}],
        },
    )
    subnets = [{"Ref": k} for k, v in resources(raw, "AWS::EC2::Subnet").items() if k.startswith("FlowRuntime")]
    group = {"Fn::GetAtt": [one(raw, "FlowRuntimeNetworkTasks", "AWS::EC2::SecurityGroup"), "GroupId"]}
    for service, task in (
        ("FlowRuntimeWorker", "FlowRuntimeWorkerTask"),
        ("FlowRuntimeBridge", "FlowRuntimeBridgeTask"),
    ):
        props = raw["Resources"][one(raw, service, "AWS::ECS::Service")]["Properties"]
        assert props["LaunchType"] == "FARGATE" and props["DesiredCount"] == 1
        assert props["TaskDefinition"] == {"Ref": one(raw, task, "AWS::ECS::TaskDefinition")}
        network = props["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert network == {"AssignPublicIp": "ENABLED", "SecurityGroups": [group], "Subnets": subnets}
    assert len(subnets) == 2
    [rules] = [
        g["Properties"]
        for k, g in resources(raw, "AWS::EC2::SecurityGroup").items()
        if k.startswith("FlowRuntimeNetworkTasks")
    ]
    assert "SecurityGroupIngress" not in rules  # nothing listens
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in rules["SecurityGroupEgress"]] == [("tcp", 443, 443)]
    [vpc] = [k for k in resources(raw, "AWS::EC2::VPC") if k.startswith("FlowRuntime")]
    assert any(f["Properties"]["ResourceId"] == {"Ref": vpc} for f in resources(raw, "AWS::EC2::FlowLog").values())
    assert not resources(raw, "AWS::EC2::NatGateway")


@pytest.mark.parametrize("market_id", SELLING)
def test_worker_polls_the_markets_queue_of_the_ecs_pool_with_secrets_logs_and_health(
    synthesised, market_id: str
) -> None:
    raw = synthesised.raw(market_id)
    worker = container(raw, "FlowRuntimeWorkerTask")
    command = worker["Command"]
    assert command[:5] == ["prefect", "worker", "start", "--type", "ecs"] and "--with-healthcheck" in command
    assert command[command.index("--pool") + 1] == WORK_POOL
    assert command[command.index("--work-queue") + 1] == work_queue_name(market_id)
    environment = {e["Name"]: e["Value"] for e in worker["Environment"]}
    assert environment["PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME"] == {
        "Fn::GetAtt": [one(raw, "FlowRuntimeEcsEvents", "AWS::SQS::Queue"), "QueueName"]
    }
    assert not set(environment) & set(PREFECT_SETTINGS)  # those come from the secret only
    assert "CMD-SHELL" in worker["HealthCheck"]["Command"]
    rule = next(r["Properties"] for k, r in resources(raw, "AWS::Events::Rule").items() if k.startswith("FlowRuntime"))
    assert rule["EventPattern"]["source"] == ["aws.ecs"]
    assert f':cluster/{cluster_name(market_id)}"' in json.dumps(rule["EventPattern"]["detail"]["clusterArn"])
    for task_prefix in ("FlowRuntimeWorkerTask", "FlowRuntimeBridgeTask"):
        definition = container(raw, task_prefix)
        secret = one(raw, "FlowRuntimePrefectApi", "AWS::SecretsManager::Secret")
        assert {s["Name"]: s["ValueFrom"] for s in definition["Secrets"]} == {
            name: {"Fn::Join": ["", [{"Ref": secret}, f":{name}::"]]} for name in PREFECT_SETTINGS
        }
        assert definition["LogConfiguration"]["Options"]["awslogs-group"] == {
            "Ref": one(raw, "FlowRuntimeLogs", "AWS::Logs::LogGroup")
        }
        assert definition["ReadonlyRootFilesystem"] is True
        assert definition["MountPoints"] == [{"ContainerPath": "/tmp", "ReadOnly": False, "SourceVolume": "scratch"}]
        task = raw["Resources"][one(raw, task_prefix, "AWS::ECS::TaskDefinition")]["Properties"]
        assert task["ExecutionRoleArn"] == {
            "Fn::GetAtt": [one(raw, "FlowRuntimeExecutionRole", "AWS::IAM::Role"), "Arn"]
        }
    logs = raw["Resources"][one(raw, "FlowRuntimeLogs", "AWS::Logs::LogGroup")]["Properties"]
    key = {"Fn::GetAtt": [one(raw, "EncryptionKey", "AWS::KMS::Key"), "Arn"]}
    assert logs["RetentionInDays"] == 30 and logs["KmsKeyId"] == key
    assert raw["Resources"][secret]["Properties"]["KmsKeyId"] == key
    assert json.loads(raw["Resources"][secret]["Properties"]["SecretString"]) == dict.fromkeys(PREFECT_SETTINGS, "")


@pytest.mark.parametrize("market_id", SELLING)
def test_worker_passes_only_the_flow_and_execution_roles_and_runs_tasks_in_its_cluster(
    synthesised, market_id: str
) -> None:
    raw = synthesised.raw(market_id)
    worker = one(raw, "FlowRuntimeWorkerRole", "AWS::IAM::Role")
    [passes] = [s for s in statements_of(raw, worker) if s["Action"] == "iam:PassRole"]
    roles = [
        {"Fn::GetAtt": [one(raw, prefix, "AWS::IAM::Role"), "Arn"]}
        for prefix in ("FlowsRole", "FlowRuntimeExecutionRole")
    ]
    assert sorted(map(json.dumps, passes["Resource"])) == sorted(map(json.dumps, roles))
    assert passes["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    for action in ("ecs:RunTask", "ecs:StopTask", "ecs:DescribeTasks"):
        [statement] = [s for s in statements_of(raw, worker) if action in as_list(s["Action"])]
        assert f':cluster/{cluster_name(market_id)}"' in json.dumps(statement["Condition"]["ArnEquals"]["ecs:cluster"])


def test_every_ecs_deployment_uses_the_workers_pool_cluster_and_a_fargate_size() -> None:
    document = yaml.safe_load((PROJECT / "prefect.yaml").read_text())
    ecs = [d for d in document["deployments"] if "cluster" in d["work_pool"]["job_variables"]]
    assert {d["name"] for d in ecs} == set(SELLING)
    for deployment in ecs:
        variables = deployment["work_pool"]["job_variables"]
        assert deployment["work_pool"]["name"] == WORK_POOL
        assert variables["cluster"] == cluster_name(deployment["name"])
        assert fargate_size_ok(variables["cpu"], variables["memory"]), (deployment["entrypoint"], variables)
    assert fargate_size_ok(*WORKER_SIZE) and fargate_size_ok(*BRIDGE_SIZE)
    assert not fargate_size_ok(256, 4096) and not fargate_size_ok(1024, 1024) and not fargate_size_ok(300, 512)


@pytest.mark.parametrize("market_id", SELLING)
def test_every_signal_queue_is_read_by_the_bridge_alone_and_it_reads_nothing_else(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    bridge = one(raw, "FlowRuntimeBridgeRole", "AWS::IAM::Role")
    signal_queues = [
        {"Fn::GetAtt": [one(raw, prefix, "AWS::SQS::Queue"), "Arn"]}
        for prefix in ("SignalsReplenishSignalsQueue", "SignalsRoomAlertSignalsQueue")
    ]
    readers = {
        ref["Ref"]
        for policy in resources(raw, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "sqs:ReceiveMessage" in as_list(statement["Action"])
        and set(map(json.dumps, as_list(statement["Resource"]))) & set(map(json.dumps, signal_queues))
        for ref in policy["Properties"]["Roles"]
    }
    assert readers == {bridge}
    sqs = [s for s in statements_of(raw, bridge) if any(str(a).startswith("sqs:") for a in as_list(s["Action"]))]
    assert [(sorted(as_list(s["Action"])), s["Resource"]) for s in sqs] == [
        (["sqs:DeleteMessage", "sqs:ReceiveMessage"], signal_queues)
    ]
    assert not [s for s in statements_of(raw, bridge) if "secretsmanager:GetSecretValue" in as_list(s["Action"])]
    puts = granted(raw, bridge, "s3:PutObject")
    assert [suffix(p) for p in puts] == [f"/quarantine/{market_id}/signal-bridge/residency/*"]
    assert container(raw, "FlowRuntimeBridgeTask")["Command"] == ["python", "-m", "flows.signal_bridge", market_id]


@pytest.mark.parametrize("market_id", SELLING)
def test_forecast_job_role_stays_in_region_and_the_flow_role_passes_exactly_it(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    template = Template.from_json(raw)
    job = one(raw, "FlowRuntimeForecastJobRole", "AWS::IAM::Role")
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [Match.object_like({"Principal": {"Service": "sagemaker.amazonaws.com"}})]
            }
        },
    )
    puts = granted(raw, job, "s3:PutObject")
    lake = one(raw, "DataLakeBucket", "AWS::S3::Bucket")
    assert all(lake in json.dumps(p) for p in puts)
    assert sorted(map(suffix, puts)) == ["/forecasting/*", f"/quarantine/{market_id}/forecast-job/residency/*"]
    flow_role = one(raw, "FlowsRole", "AWS::IAM::Role")
    passes = [
        s
        for s in statements_of(raw, flow_role)
        if s["Action"] == "iam:PassRole"
        and s["Condition"]["StringEquals"]["iam:PassedToService"] == "sagemaker.amazonaws.com"
    ]
    assert [p["Resource"] for p in passes] == [{"Fn::GetAtt": [job, "Arn"]}]
    [jobs] = granted(raw, flow_role, "sagemaker:CreateProcessingJob")
    assert jobs == granted(raw, flow_role, "sagemaker:DescribeProcessingJob")[0]
    assert f':processing-job/livebase-forecast-{market_id}-*"' in json.dumps(jobs)
    assert raw["Outputs"]["ForecastJobRoleArn"]["Value"] == {"Fn::GetAtt": [job, "Arn"]}


@pytest.mark.parametrize("market_id", SELLING)
def test_outputs_name_what_prefect_yaml_needs(synthesised, market_id: str) -> None:
    outputs = synthesised.raw(market_id)["Outputs"]
    assert set(OUTPUT_KEYS) <= set(outputs)
    assert outputs["FlowClusterName"]["Value"] == cluster_name(market_id)
    assert outputs["FlowWorkPoolName"]["Value"] == WORK_POOL
    assert outputs["FlowWorkQueueName"]["Value"] == work_queue_name(market_id)
    assert "container-assets" in json.dumps(outputs["FlowImageUri"]["Value"])  # the image asset, built at deploy


@pytest.mark.parametrize("market_id", HQ)
def test_hq_rollup_reads_only_the_selling_markets_aggregates(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    role_id = one(raw, "RollupRole", "AWS::IAM::Role")
    role = raw["Resources"][role_id]["Properties"]
    assert role["RoleName"] == rollup_role_name(hq_market(MARKETS))
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    patterns = {json.dumps(p) for p in trust["Condition"]["ArnLike"]["aws:PrincipalArn"]}
    assert len(patterns) == len(SELLING) and all(f"role/Livebase-{m}-FlowsRole*" in str(patterns) for m in SELLING)
    reads = granted(raw, role_id, "s3:GetObject")
    assert sorted(map(suffix, reads)) == sorted(f"/aggregates/{m}/*" for m in SELLING)
    [listing] = [s for s in statements_of(raw, role_id) if s["Action"] == "s3:ListBucket"]
    assert listing["Condition"] == {
        "StringLike": {"s3:prefix": ["aggregates/", *(f"aggregates/{m}/*" for m in SELLING)]}
    }
    actions = {a for s in statements_of(raw, role_id) for a in as_list(s["Action"])}
    assert actions == {"s3:GetObject", "s3:ListBucket", "kms:Decrypt"}


@pytest.mark.parametrize("market_id", SELLING)
def test_the_flow_role_may_assume_the_hq_rollup_role(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    [assume] = granted(raw, one(raw, "FlowsRole", "AWS::IAM::Role"), "sts:AssumeRole")
    assert f':role/{rollup_role_name(hq_market(MARKETS))}"' in json.dumps(assume)


def test_images_are_assets_built_at_deploy_from_the_dockerfile(synthesised) -> None:
    assets = json.loads((synthesised.outdir / "Livebase-eu.assets.json").read_text())["dockerImages"]
    sources = sorted((a["source"]["dockerBuildTarget"], a["source"]["directory"]) for a in assets.values())
    assert [target for target, _ in sources] == ["flows", "worker"]
    for _, directory in sources:
        staged = {p.name for p in (synthesised.outdir / directory).iterdir()}
        assert {"Dockerfile", "pyproject.toml", "constraints.txt", "cdk.json", "flows", "layers"} <= staged
        assert not staged & {".venv", "tests", "node_modules", "cdk.out", ".git", "functions", "livebase_local"}


def test_moto_deploy_leaves_out_the_containers_with_a_reason(synthesised) -> None:
    from livebase_local.aws.deploy import moto_resource_types
    from livebase_local.aws.template_transform import transform_for_moto

    result = transform_for_moto(synthesised.raw("eu"), moto_resource_types())
    reasons = {d.resource_type: d.reason for d in result.dropped}
    assert "runs containers" in reasons["AWS::ECS::TaskDefinition"]
    assert "runs containers" in reasons["AWS::ECS::Service"]


def test_dockerfile_installs_the_project_at_its_pins_on_the_lambda_python() -> None:
    dockerfile = (PROJECT / "Dockerfile").read_text()
    assert f"ARG PYTHON_IMAGE=python:{RUNTIME.name.removeprefix('python')}-slim" in dockerfile
    assert "FROM ${PYTHON_IMAGE} AS base" in dockerfile
    assert {"AS worker", "AS flows"} <= {line.split(" ", 2)[-1] for line in dockerfile.splitlines() if " AS " in line}
    assert "RUN pip install -r infra_cdk/flow-image-requirements.txt" in dockerfile
    assert "RUN pip install -r /opt/worker-requirements.txt" in dockerfile
    flows = [line for line in REQUIREMENTS["flows"].read_text().splitlines() if not line.startswith("#")]
    assert flows == ["-c ../constraints.txt", "-e ."]
    constraints = (PROJECT / "constraints.txt").read_text().splitlines()
    pins = dict(line.split("#")[0].strip().split("==") for line in constraints if "==" in line and ";" not in line)
    worker = dict(line.split("==") for line in REQUIREMENTS["worker"].read_text().splitlines() if "==" in line)
    assert worker["prefect"] == pins["prefect"]  # the worker speaks the flows' Prefect
    assert "prefect-aws" not in pins  # it does not resolve with the project's botocore pin (the file says why)
    ignored = (PROJECT / ".dockerignore").read_text().splitlines()
    for copied in (
        "pyproject.toml",
        "constraints.txt",
        "cdk.json",
        "config",
        "layers",
        "flows",
        "infra_cdk/flow-image-requirements.txt",
        "infra_cdk/worker-image-requirements.txt",
    ):
        assert f"!{copied}" in ignored


@pytest.fixture(scope="module")
def clean_venv_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A clean venv whose pip is moved to its current release, as python:3.12-slim ships a recent one
    (the venv's bundled pip downloads whole wheels to read their metadata, ~8 minutes here instead of ~1)."""
    root = tmp_path_factory.mktemp("image-venv")
    venv.create(root / "venv", with_pip=True)
    python = str(root / "venv" / "bin" / "python")
    upgrade = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip"]
    subprocess.run(upgrade, check=True, timeout=300)
    return python


@pytest.mark.slow
@pytest.mark.parametrize("image", sorted(REQUIREMENTS))
def test_image_requirements_resolve_in_a_clean_venv(image: str, clean_venv_python: str) -> None:
    """The Dockerfile's install step, without Docker: pip resolves the same file from the project root
    (a dry run: the venv stays clean for the other image)."""
    quiet = ["--quiet", "--disable-pip-version-check"]
    run = subprocess.run(
        [clean_venv_python, "-m", "pip", "install", "--dry-run", *quiet, "-r",
         str(REQUIREMENTS[image].relative_to(PROJECT))],
        cwd=PROJECT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
