"""Rewrite a synthesised CDK template into one moto's CloudFormation deploys faithfully.

Every change is explicit and reported (:class:`Transform`), so the gap between local and cloud
is written down rather than discovered:

* ``AWS::Lambda::EventSourceMapping`` is dropped, Kinesis and SQS alike: inside moto a Kinesis
  mapping makes every ``put_records`` invoke the function per record through Docker (absent
  here, and ~700 ms per put even when disabled), and an SQS one invokes it through Docker on
  every send. :mod:`livebase_local.runner.kinesis_source` (Kinesis) and
  :mod:`livebase_local.runner.sqs_source` (SQS) apply the mappings instead, with the settings read
  from the original template (:mod:`livebase_local.aws.mappings`).
* Types moto's CloudFormation has no model for are dropped: moto would skip them silently and a
  ``GetAtt`` on them fails the whole stack. That covers ``AWS::IVS::*``, ``AWS::MediaLive::*``,
  ``AWS::CloudFront::*``, ``AWS::S3::BucketPolicy``, queue/topic policies, alarms and
  ``AWS::CDK::Metadata``; custom resources are dropped too (their provider is a Lambda invoke).
  Security parts moto has no model for are dropped the same way and listed in the report: the
  REST APIs' ``AWS::WAFv2::WebACL`` and ``AWS::WAFv2::WebACLAssociation`` (locally the API's
  function is invoked in-process, so nothing would pass through a web ACL) and
  ``AWS::Lambda::EventInvokeConfig`` (the local bus-target runner applies its retries and
  on-failure destination from the original template). A function's reserved concurrency, its
  environment's KMS key and a VPC with endpoints (market option ``functions.vpc``) are kept;
  moto stores them without enforcing them.
* IVS channels, CloudFront distributions and MediaLive inputs/channels are created through their
  service APIs (:mod:`livebase_local.aws.api_resources`); references to them are replaced by the
  real ids/ARNs so functions and outputs still see them.
* Any other reference to a dropped resource drops the referrer (resources transitively, outputs),
  and ``DependsOn`` entries naming dropped resources are removed. One exception: a Lambda
  function's environment naming an API-created resource that is created only after the stack
  (a MediaLive channel needs the stack's role) holds a placeholder (``PENDING_PREFIX``) there, so
  the function and what targets it stay; :attr:`Transform.pending_environment` lists them, and
  the local runner resolves those variables from the original template once the resource exists.
* moto quirks are worked around where the template is right and moto is not: KMS key tags are
  passed in KMS's API shape (``TagKey``/``TagValue``), since moto's CloudFormation hands the
  CloudFormation ``Key``/``Value`` list to the KMS API unchanged and fails the stack; SSM parameter
  tags (a map in CloudFormation) are passed as SSM's ``Key``/``Value`` list, which moto expects; a ``Ref``
  to an ``AWS::Events::EventBus`` is replaced by the bus's ``Name`` (moto's bus model has no
  physical id, so the Ref would yield a Python object's repr). An ``ON_DEMAND`` Kinesis stream
  gets ``ShardCount: 4``: AWS starts an on-demand stream with 4 shards, moto's CloudFormation
  ignores the mode and creates 1, which would serialise every record through one shard worker.
* Lambda layers that are not ``Ref``s to a layer in the same template (public layer ARNs such as
  the Powertools layer) are removed: moto refuses a function whose layer it does not know.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from livebase_local.aws.template_refs import MISSING, Reference, lookup_in, referenced_ids, substitute

EVENT_SOURCE_MAPPING = "AWS::Lambda::EventSourceMapping"
PENDING_PREFIX = "livebase-local-pending:"  # an environment value resolved after the stack is created
ON_DEMAND_INITIAL_SHARDS = 4  # what AWS gives a new on-demand stream
# Created through their service APIs instead of CloudFormation.
API_CREATED_TYPES = frozenset(
    {"AWS::IVS::Channel", "AWS::CloudFront::Distribution", "AWS::MediaLive::Input", "AWS::MediaLive::Channel"}
)
# The flow runtime's worker and signal bridge (infra_cdk/components/flow_runtime.py): moto starts no container.
CONTAINER_TYPES = ("AWS::ECS::TaskDefinition", "AWS::ECS::Service")
# Dropped even if a future moto grew a model for them: they would need Docker or are policy-only.
ALWAYS_DROPPED_PREFIXES = (
    "Custom::",
    "AWS::CloudFormation::CustomResource",
    "AWS::IVS::",
    "AWS::MediaLive::",
    "AWS::CloudFront::",
    "AWS::S3::BucketPolicy",
    # A REST API's deployment: its methods name request validators moto does not model (so they are
    # dropped) and moto refuses a deployment without methods; locally the API's function is invoked
    # in-process with API Gateway's event (livebase_local.commands.demo_passport).
    "AWS::ApiGateway::Deployment",
    # Web ACLs guard requests that never reach API Gateway locally (functions invoked in-process).
    "AWS::WAFv2::",
    *CONTAINER_TYPES,
)


@dataclass(frozen=True)
class Dropped:
    logical_id: str
    resource_type: str
    reason: str


@dataclass
class Transform:
    """The moto-ready template and a record of everything that differs from the original."""

    template: dict[str, Any]
    dropped: list[Dropped] = field(default_factory=list)
    dropped_outputs: list[str] = field(default_factory=list)
    substituted: dict[str, list[str]] = field(default_factory=dict)  # API-created id -> referrers
    removed_layers: dict[str, list[Any]] = field(default_factory=dict)  # function id -> layers
    pending_environment: dict[str, list[str]] = field(default_factory=dict)  # function id -> late API ids

    @property
    def dropped_types(self) -> set[str]:
        return {d.resource_type for d in self.dropped}


def drop_reason(resource_type: str, moto_types: Collection[str]) -> str | None:
    """Why a resource of this type cannot go to moto's CloudFormation (None: it can)."""
    if resource_type == EVENT_SOURCE_MAPPING:
        return "applied by the local event-source runner (moto would invoke the function via Docker)"
    if resource_type in API_CREATED_TYPES:
        return "created through its service API (moto's CloudFormation ignores this type)"
    if resource_type in CONTAINER_TYPES:
        return "runs containers, which moto never starts (locally ./livebase up serves the flows and runs the bridge)"
    if resource_type.startswith(("Custom::", "AWS::CloudFormation::CustomResource")):
        return "custom resource: its provider is a Lambda invocation, which needs Docker"
    if resource_type.startswith(ALWAYS_DROPPED_PREFIXES) or resource_type not in moto_types:
        return "moto's CloudFormation has no model for this type"
    return None


def transform_for_moto(
    template: Mapping[str, Any],
    moto_types: Collection[str],
    api_values: Mapping[Reference, Any] | None = None,
) -> Transform:
    """Return a moto-deployable copy of ``template``; ``api_values`` resolve API-created resources.

    ``api_values`` maps ``(logical_id, None)`` (a Ref) and ``(logical_id, attribute)`` (a GetAtt)
    of API-created resources to their real values.
    """
    result = copy.deepcopy(dict(template))
    resources: dict[str, Any] = result.setdefault("Resources", {})
    values = dict(api_values or {})
    out = Transform(template=result)

    removed: dict[str, str] = {}
    for logical_id, body in list(resources.items()):
        reason = drop_reason(body.get("Type", ""), moto_types)
        if reason:
            removed[logical_id] = body["Type"]
            out.dropped.append(Dropped(logical_id, body["Type"], reason))
            del resources[logical_id]

    resolvable = {logical_id for logical_id, _ in values}
    for logical_id, body in resources.items():
        wanted = referenced_ids(body.get("Properties", {})) & resolvable
        if wanted:
            body["Properties"] = substitute(body["Properties"], lookup_in(values))
            for target in wanted:
                out.substituted.setdefault(target, []).append(logical_id)

    _defer_late_environment(resources, removed, out)
    _drop_dangling(resources, removed, out)
    _strip_depends_on(resources, removed)
    _strip_foreign_layers(resources, out)
    _moto_quirks(resources)
    bus_names = event_bus_names(resources)
    for logical_id, body in resources.items():
        resources[logical_id] = substitute(body, lookup_in(bus_names))

    outputs: dict[str, Any] = result.get("Outputs", {})
    for key, body in list(outputs.items()):
        body = substitute(body, lookup_in({**values, **bus_names}))
        if referenced_ids(body) & set(removed):
            out.dropped_outputs.append(key)
            del outputs[key]
        else:
            outputs[key] = body
    return out


def _defer_late_environment(resources: dict[str, Any], removed: Mapping[str, str], out: Transform) -> None:
    """Placeholders for the API-created resources still unresolved in Lambda environments."""
    late = {logical_id for logical_id, kind in removed.items() if kind in API_CREATED_TYPES}
    for logical_id, body in resources.items():
        props = body.get("Properties", {})
        if body.get("Type") != "AWS::Lambda::Function" or "Environment" not in props:
            continue
        pending = referenced_ids(props["Environment"]) & late
        if pending:
            props["Environment"] = substitute(props["Environment"], _placeholders(pending))
            out.pending_environment[logical_id] = sorted(pending)


def _placeholders(pending: Collection[str]) -> Callable[[Reference], Any]:
    return lambda ref: f"{PENDING_PREFIX}{ref[0]}" if ref[0] in pending else MISSING


def _drop_dangling(resources: dict[str, Any], removed: dict[str, str], out: Transform) -> None:
    """Drop kept resources that still reference a dropped one, until none does."""
    changed = True
    while changed:
        changed = False
        for logical_id, body in list(resources.items()):
            dangling = referenced_ids({k: v for k, v in body.items() if k != "DependsOn"}) & set(removed)
            if dangling:
                removed[logical_id] = body["Type"]
                out.dropped.append(
                    Dropped(logical_id, body["Type"], f"references dropped {', '.join(sorted(dangling))}")
                )
                del resources[logical_id]
                changed = True


def _strip_depends_on(resources: dict[str, Any], removed: Mapping[str, str]) -> None:
    for body in resources.values():
        depends = body.get("DependsOn")
        if depends is None:
            continue
        kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in removed]
        if kept:
            body["DependsOn"] = kept
        else:
            del body["DependsOn"]


def _strip_foreign_layers(resources: dict[str, Any], out: Transform) -> None:
    local_layers = {lid for lid, body in resources.items() if body.get("Type") == "AWS::Lambda::LayerVersion"}
    for logical_id, body in resources.items():
        props = body.get("Properties", {})
        if body.get("Type") != "AWS::Lambda::Function" or "Layers" not in props:
            continue
        kept: list[Any] = []
        foreign: list[Any] = []
        for layer in props["Layers"]:
            is_local = isinstance(layer, dict) and set(layer) == {"Ref"} and layer["Ref"] in local_layers
            (kept if is_local else foreign).append(layer)
        if foreign:
            out.removed_layers[logical_id] = foreign
            if kept:
                props["Layers"] = kept
            else:
                del props["Layers"]


def _moto_quirks(resources: dict[str, Any]) -> None:
    for body in resources.values():
        props = body.get("Properties", {})
        if body.get("Type") == "AWS::KMS::Key" and isinstance(props.get("Tags"), list):
            props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props["Tags"]]
        if body.get("Type") == "AWS::SSM::Parameter" and isinstance(props.get("Tags"), dict):
            props["Tags"] = [{"Key": k, "Value": v} for k, v in props["Tags"].items()]  # moto wants SSM's list
        on_demand = props.get("StreamModeDetails", {}).get("StreamMode") == "ON_DEMAND"
        if body.get("Type") == "AWS::Kinesis::Stream" and on_demand and "ShardCount" not in props:
            props["ShardCount"] = ON_DEMAND_INITIAL_SHARDS


def event_bus_names(resources: Mapping[str, Any]) -> dict[Reference, Any]:
    """``Ref`` values of event buses with a literal name (what CloudFormation's Ref returns)."""
    return {
        (logical_id, None): body["Properties"]["Name"]
        for logical_id, body in resources.items()
        if body.get("Type") == "AWS::Events::EventBus" and isinstance(body.get("Properties", {}).get("Name"), str)
    }
