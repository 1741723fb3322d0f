"""Deploy a synthesised cloud assembly into the local AWS, each market's stack in its region.

Through CloudFormation ``create_stack`` like the cloud, after the two preparations a CDK
template needs (the bootstrap version parameter and the file assets in the bootstrap bucket),
with the template rewritten for moto by :mod:`livebase_local.aws.template_transform` and the
resources moto ignores created through their APIs (:mod:`livebase_local.aws.api_resources`).
Re-deploying an unchanged stack is a no-op; a changed one is updated.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.markets.resources import MarketResources
from livebase_local.aws import api_resources
from livebase_local.aws.assembly import StackArtifact, fill_placeholders, read_assembly
from livebase_local.aws.cfn_eval import Scope, Unresolvable, evaluate, stack_resource_values
from livebase_local.aws.mappings import (
    EventSourceConfig,
    FunctionMappingSpec,
    MappingSpec,
    SqsMappingSpec,
    SqsSourceConfig,
    read_mappings,
    read_sqs_mappings,
)
from livebase_local.aws.object_lock import apply_object_lock
from livebase_local.aws.template_transform import Transform, transform_for_moto

STACK_PREFIX = "Livebase-"
MEDIA_SUFFIX = "-media"  # a market's media-only stack (infra_cdk/media_stack.py), in its media Region
TEMPLATE_TAG = "livebase:template-sha256"
BOOTSTRAP_VERSION = "30"  # any version >= 6 satisfies the CheckBootstrapVersion rule
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
_SETTLED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}


class DeployError(RuntimeError):
    """A stack did not deploy; the message carries CloudFormation's reasons."""


@dataclass
class MarketDeployment:
    """What one market's deploy produced, for the runner, the CLI and the issue notes."""

    market: str
    stack_name: str
    region: str
    action: str  # "created", "updated" or "unchanged"
    seconds: float
    outputs: dict[str, str]
    stack_resource_types: dict[str, str]  # logical id -> type, as moto's CloudFormation created them
    api_resources: list[api_resources.CreatedResource]
    event_sources: list[EventSourceConfig]
    transform: Transform
    queue_sources: list[SqsSourceConfig] = field(default_factory=list)  # SQS mappings, for the runner
    unresolved_outputs: list[str] = field(default_factory=list)
    skipped_api_resources: dict[str, str] = field(default_factory=dict)  # logical id -> why
    media: MarketDeployment | None = None  # the market's media stack, deployed before it (mena)

    def resources(self) -> MarketResources:
        return MarketResources.from_outputs(self.market, self.region, self.outputs)


def market_of(stack_name: str) -> str:
    return stack_name.removeprefix(STACK_PREFIX)


def home_market(stack_name: str) -> str:
    """The market a stack serves: its own, or the one whose media stack it is (market ids have no dash)."""
    return market_of(stack_name).removesuffix(MEDIA_SUFFIX)


def moto_resource_types() -> set[str]:
    """The resource types moto's CloudFormation can create (read from moto itself)."""
    from moto.cloudformation.parsing import get_model_map

    return set(get_model_map())


def _bootstrap_parameter(template: dict[str, Any]) -> str:
    default = template.get("Parameters", {}).get("BootstrapVersion", {}).get("Default")
    return str(default) if default else "/cdk-bootstrap/hnb659fds/version"


def _ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError:
        pass
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})


def publish_assets(artifact: StackArtifact, account: str, clients: Callable[[str], Any]) -> int:
    """Upload the stack's file assets to the bucket/key the template expects; returns uploads made."""
    s3 = clients("s3")
    uploads = 0
    for asset in artifact.assets:
        for destination in asset.destinations:
            region = destination.region or artifact.region
            bucket = fill_placeholders(destination.bucket_name, account=account, region=region)
            key = fill_placeholders(destination.object_key, account=account, region=region)
            _ensure_bucket(s3, bucket, region)
            try:
                s3.head_object(Bucket=bucket, Key=key)
                continue  # keys are content hashes: present means identical
            except ClientError:
                s3.put_object(Bucket=bucket, Key=key, Body=asset.payload())
                uploads += 1
    return uploads


def _stack_status(cloudformation: Any, stack_name: str) -> dict[str, Any] | None:
    try:
        return dict(cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0])
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise


def _failure_reasons(cloudformation: Any, stack_name: str) -> list[str]:
    try:
        events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
    except ClientError:
        return []
    return [
        f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', e['ResourceStatus'])}"
        for e in events
        if "FAILED" in e["ResourceStatus"]
    ]


def _apply_stack(cloudformation: Any, stack_name: str, body: str, timeout: float) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    request = {
        "StackName": stack_name,
        "TemplateBody": body,
        "Capabilities": CAPABILITIES,
        "Tags": [{"Key": TEMPLATE_TAG, "Value": digest}],
    }
    current = _stack_status(cloudformation, stack_name)
    if current is not None and current["StackStatus"] not in _SETTLED:
        # moto does not roll a failed create back; clear it so the deploy can be retried
        cloudformation.delete_stack(StackName=stack_name)
        current = None
    try:
        if current is None:
            cloudformation.create_stack(**request)
            action = "created"
        elif {t["Key"]: t["Value"] for t in current.get("Tags", [])}.get(TEMPLATE_TAG) == digest:
            return "unchanged"
        else:
            cloudformation.update_stack(**request)
            action = "updated"
    except ClientError as error:
        reasons = _failure_reasons(cloudformation, stack_name)
        raise DeployError(f"stack {stack_name}: {error}; events: {reasons or 'none'}") from error
    deadline = time.monotonic() + timeout
    while True:
        status = (_stack_status(cloudformation, stack_name) or {}).get("StackStatus", "MISSING")
        if status in _SETTLED:
            return action
        if "FAILED" in status or "ROLLBACK" in status or status == "MISSING" or time.monotonic() > deadline:
            reasons = _failure_reasons(cloudformation, stack_name)
            raise DeployError(f"stack {stack_name} ended {status}: {reasons or 'no failure events'}")
        time.sleep(0.2)


def _physical_ids(cloudformation: Any, stack_name: str) -> tuple[dict[str, str], dict[str, str]]:
    resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    ids = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in resources}
    kinds = {r["LogicalResourceId"]: r["ResourceType"] for r in resources}
    return ids, kinds


def ensure_streams(kinesis: Any, template: dict[str, Any], physical: dict[str, str], timeout: float = 30.0) -> None:
    """Each stream of the stack, where Kinesis clients are pointed (``AWS_ENDPOINT_URL_KINESIS``).

    The local AWS serves Kinesis from a server of its own, which CloudFormation's server does not
    reach: the stack's streams are created there too, same name and shard count (a no-op when
    Kinesis is served by the CloudFormation server itself, or on a redeploy).
    """
    for logical_id, body in template.get("Resources", {}).items():
        if body.get("Type") != "AWS::Kinesis::Stream" or logical_id not in physical:
            continue
        name = physical[logical_id]
        try:
            kinesis.describe_stream_summary(StreamName=name)
            continue
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
        shards = int(body.get("Properties", {}).get("ShardCount", 1))
        kinesis.create_stream(StreamName=name, ShardCount=shards)
        deadline = time.monotonic() + timeout
        while kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
            if time.monotonic() > deadline:
                raise DeployError(f"stream {name} not active after {timeout} s")
            time.sleep(0.1)


def _event_source(
    spec: MappingSpec, market: str, artifact: StackArtifact, values: dict[Any, Any], physical: dict[str, str]
) -> EventSourceConfig:
    asset = artifact.asset_by_object_key(spec.code_s3_key) if spec.code_s3_key else None
    dlq = spec.on_failure_id
    return EventSourceConfig(
        **_function_mapping(spec, market, artifact.region, values, physical),
        dlq_url=physical[dlq] if dlq else None,
        code_path=str(asset.source) if asset else None,
        stream_name=physical[spec.source_id],
        stream_arn=values[(spec.source_id, "Arn")],
        dlq_arn=values.get((dlq, "Arn")) if dlq else None,
        **spec.stream_settings(),
    )


def _queue_source(
    spec: SqsMappingSpec, market: str, region: str, values: dict[Any, Any], physical: dict[str, str]
) -> SqsSourceConfig:
    return SqsSourceConfig(
        **_function_mapping(spec, market, region, values, physical),
        dlq_url=physical[spec.dlq_id] if spec.dlq_id else None,
        queue_url=physical[spec.queue_id],  # a queue's physical id is its URL
        queue_arn=str(values.get((spec.queue_id, "Arn"), "")),
        max_receive_count=spec.max_receive_count,
        visibility_timeout_seconds=spec.visibility_timeout_seconds,
    )


def _function_mapping(
    spec: FunctionMappingSpec, market: str, region: str, values: dict[Any, Any], physical: dict[str, str]
) -> dict[str, Any]:
    """:class:`FunctionMapping`'s fields but the DLQ: the function, its batching, role, timeout and memory."""
    function = spec.function_properties
    return {
        "market": market,
        "region": region,
        "function_name": physical[spec.function_id],
        "handler": spec.handler,
        "batch_size": spec.batch_size,
        "report_batch_item_failures": spec.report_batch_item_failures,
        "maximum_batching_window_seconds": spec.maximum_batching_window_seconds,
        "enabled": spec.enabled,
        "role_arn": str(_maybe(function.get("Role"), values) or ""),
        "timeout_seconds": int(function.get("Timeout", 3)),  # Lambda's defaults
        "memory_mb": int(function.get("MemorySize", 128)),
    }


def _maybe(node: Any, values: dict[Any, Any]) -> Any:
    """A Ref/GetAtt resolved against ``values``, or "" when it cannot be."""
    try:
        return evaluate(node, Scope(account="", region="", stack_name="", values=values))
    except Unresolvable:
        return ""


def deploy_stack(artifact: StackArtifact, *, timeout: float = 120.0, lenient: bool = True) -> MarketDeployment:
    """Deploy one stack into its own region of the local AWS (see the module docstring).

    ``lenient``: a resource whose service the region does not offer (IVS outside its regions)
    is skipped with a warning and listed in ``skipped_api_resources``; otherwise the deploy fails,
    as it would in the cloud.
    """
    started = time.perf_counter()
    region = artifact.region

    def clients(service: str) -> Any:
        return boto3.client(service, region_name=region)  # type: ignore[call-overload]

    template = artifact.template()
    account = str(clients("sts").get_caller_identity()["Account"])
    clients("ssm").put_parameter(
        Name=_bootstrap_parameter(template), Value=BOOTSTRAP_VERSION, Type="String", Overwrite=True
    )
    publish_assets(artifact, account, clients)

    parameters = template.get("Parameters", {})
    defaults = {k: v["Default"] for k, v in parameters.items() if "Default" in v and "SSM" not in v["Type"]}
    scope = Scope(account=account, region=region, stack_name=artifact.stack_name, parameters=defaults)
    ordered = api_resources.api_created_ids(template)
    early = api_resources.early_ids(template, parameters)
    early_ids = [i for i in ordered if i in early]
    created, skipped = api_resources.create_all(clients, template, early_ids, scope, skip_unavailable=lenient)
    for logical_id, reason in skipped.items():
        warnings.warn(f"{artifact.stack_name}: {logical_id} not created: {reason}", stacklevel=2)

    transform = transform_for_moto(template, moto_resource_types(), scope.values)
    body = json.dumps(transform.template, sort_keys=True)
    action = _apply_stack(clients("cloudformation"), artifact.stack_name, body, timeout)

    cloudformation = clients("cloudformation")
    physical, kinds = _physical_ids(cloudformation, artifact.stack_name)
    ensure_streams(clients("kinesis"), transform.template, physical)
    apply_object_lock(clients("s3"), template, physical)  # moto's CloudFormation ignores Object Lock
    scope.values.update(stack_resource_values(template, physical, scope))
    late_ids = [i for i in ordered if i not in early]
    late, late_skipped = api_resources.create_all(clients, template, late_ids, scope, skip_unavailable=lenient)
    created += late
    skipped.update(late_skipped)
    for logical_id, reason in late_skipped.items():
        warnings.warn(f"{artifact.stack_name}: {logical_id} not created: {reason}", stacklevel=2)

    stack = cloudformation.describe_stacks(StackName=artifact.stack_name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    unresolved = []
    for key in transform.dropped_outputs:  # outputs naming late API resources: evaluate them here
        try:
            outputs[key] = str(evaluate(template["Outputs"][key]["Value"], scope))
        except Unresolvable:
            unresolved.append(key)
    market = market_of(artifact.stack_name)
    sources = [_event_source(s, market, artifact, scope.values, physical) for s in read_mappings(template)]
    return MarketDeployment(
        market=market,
        stack_name=artifact.stack_name,
        region=region,
        action=action,
        seconds=time.perf_counter() - started,
        outputs=outputs,
        stack_resource_types=kinds,
        api_resources=created,
        event_sources=sources,
        transform=transform,
        queue_sources=[_queue_source(s, market, region, scope.values, physical) for s in read_sqs_mappings(template)],
        unresolved_outputs=unresolved,
    )


def deploy_assembly(
    cdk_out: Path | str, markets: Iterable[str] | None = None, *, timeout: float = 120.0, lenient: bool = True
) -> dict[str, MarketDeployment]:
    """Deploy the assembly's market stacks (all, or those of ``markets``); keyed by market id.

    A market's media stack (``Livebase-<market>-media``) is deployed first, in its own Region, and
    kept on the market's deployment (``media``): the market's room-cue function reads its channel.
    """
    wanted = set(markets) if markets is not None else None
    stacks = [a for a in read_assembly(cdk_out) if wanted is None or home_market(a.stack_name) in wanted]
    if wanted is not None:
        missing = wanted - {market_of(a.stack_name) for a in stacks}
        if missing:
            raise DeployError(f"the assembly in {cdk_out} has no stack for markets {sorted(missing)}")
    media = {
        home_market(a.stack_name): deploy_stack(a, timeout=timeout, lenient=lenient)
        for a in stacks
        if a.stack_name.endswith(MEDIA_SUFFIX)
    }
    deployed = {
        market_of(a.stack_name): deploy_stack(a, timeout=timeout, lenient=lenient)
        for a in stacks
        if not a.stack_name.endswith(MEDIA_SUFFIX)
    }
    for market, deployment in media.items():
        if market in deployed:
            deployed[market].media = deployment
    return deployed
