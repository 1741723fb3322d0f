"""Create, through their service APIs, the resources moto's CloudFormation ignores.

IVS channels, CloudFront origin access controls and distributions, MediaLive inputs and
channels. Each is found again by a deterministic name (or caller reference) built from the stack
and logical id, so a re-deploy finds what it created before instead of creating it twice. The
CloudFormation properties are mapped onto the API's request shape; where the API needs more
than the template says (or moto does not model a field), the simplification is recorded in
:attr:`CreatedResource.notes`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from livebase_local.aws.cfn_eval import Scope, Unresolvable, evaluate
from livebase_local.aws.template_refs import Reference, referenced_ids

_TAGS = "Tags"


@dataclass
class CreatedResource:
    logical_id: str
    resource_type: str
    physical_id: str
    arn: str
    created: bool  # False: it already existed from an earlier deploy
    attributes: dict[str, Any] = field(default_factory=dict)  # Ref ("") and GetAtt values
    notes: list[str] = field(default_factory=list)

    def values(self) -> dict[Reference, Any]:
        return {(self.logical_id, None if key == "" else key): value for key, value in self.attributes.items()}


def _props(body: Mapping[str, Any], scope: Scope, notes: list[str]) -> dict[str, Any]:
    """Evaluate each property; one that cannot be resolved yet becomes a visible placeholder."""
    resolved: dict[str, Any] = {}
    for key, value in body.get("Properties", {}).items():
        try:
            resolved[key] = evaluate(value, scope)
        except Unresolvable as missing:
            notes.append(f"property {key} left unresolved ({missing})")
    return resolved


def _tag_dict(tags: Any) -> dict[str, str]:
    if isinstance(tags, list):
        return {str(t["Key"]): str(t["Value"]) for t in tags}
    return dict(tags or {})


def _name(stack_name: str, logical_id: str, limit: int = 128) -> str:
    return f"{stack_name}-{logical_id}"[:limit]


def _found_or_created(
    listed: list[dict[str, Any]], name: str, create: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """The resource called ``name`` from an earlier deploy (not created again), or the one ``create`` makes."""
    match = [item for item in listed if item["Name"] == name]
    return (match[0], False) if match else (create(), True)


def create_ivs_channel(clients: Any, logical_id: str, body: Mapping[str, Any], scope: Scope) -> CreatedResource:
    notes: list[str] = []
    props = _props(body, scope, notes)
    ivs = clients("ivs")
    name = str(props.get("Name") or _name(scope.stack_name, logical_id))
    existing = [c for c in ivs.list_channels(filterByName=name)["channels"] if c["name"] == name]
    if existing:
        channel, created = ivs.get_channel(arn=existing[0]["arn"])["channel"], False
    else:
        request: dict[str, Any] = {"name": name, "tags": _tag_dict(props.get(_TAGS))}
        for cfn_key, api_key in (
            ("LatencyMode", "latencyMode"),
            ("Type", "type"),
            ("Authorized", "authorized"),
            ("InsecureIngest", "insecureIngest"),
            ("Preset", "preset"),
            ("RecordingConfigurationArn", "recordingConfigurationArn"),
        ):
            if cfn_key in props:
                request[api_key] = props[cfn_key]
        channel, created = ivs.create_channel(**request)["channel"], True
    attributes = {
        "": channel["arn"],
        "Arn": channel["arn"],
        "IngestEndpoint": channel["ingestEndpoint"],
        "PlaybackUrl": channel["playbackUrl"],
    }
    return CreatedResource(logical_id, "AWS::IVS::Channel", name, channel["arn"], created, attributes, notes)


def create_origin_access_control(
    clients: Any, logical_id: str, body: Mapping[str, Any], scope: Scope
) -> CreatedResource:
    notes: list[str] = []
    config = dict(_props(body, scope, notes).get("OriginAccessControlConfig", {}))
    cloudfront = clients("cloudfront")
    name = str(config.get("Name") or _name(scope.stack_name, logical_id, 64))
    items = cloudfront.list_origin_access_controls().get("OriginAccessControlList", {}).get("Items", [])

    def create() -> dict[str, Any]:
        request = {
            "Name": name,
            "Description": str(config.get("Description", "")),
            "SigningProtocol": config.get("SigningProtocol", "sigv4"),
            "SigningBehavior": config.get("SigningBehavior", "always"),
            "OriginAccessControlOriginType": config.get("OriginAccessControlOriginType", "s3"),
        }
        return dict(cloudfront.create_origin_access_control(OriginAccessControlConfig=request)["OriginAccessControl"])

    found, created = _found_or_created(items, name, create)
    oac_id = found["Id"]
    arn = f"arn:aws:cloudfront::{scope.account}:origin-access-control/{oac_id}"
    attributes = {"": oac_id, "Id": oac_id}
    return CreatedResource(logical_id, "AWS::CloudFront::OriginAccessControl", oac_id, arn, created, attributes, notes)


def _origin(origin: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": origin["Id"], "DomainName": origin["DomainName"]}
    if "OriginPath" in origin:
        out["OriginPath"] = origin["OriginPath"]
    if "OriginAccessControlId" in origin:
        out["OriginAccessControlId"] = origin["OriginAccessControlId"]
    custom = origin.get("CustomOriginConfig")
    if custom:
        out["CustomOriginConfig"] = {
            "HTTPPort": int(custom.get("HTTPPort", 80)),
            "HTTPSPort": int(custom.get("HTTPSPort", 443)),
            "OriginProtocolPolicy": custom.get("OriginProtocolPolicy", "https-only"),
        }
    else:
        out["S3OriginConfig"] = {
            "OriginAccessIdentity": origin.get("S3OriginConfig", {}).get("OriginAccessIdentity", "")
        }
    return out


def _distribution_request(config: Mapping[str, Any], caller_reference: str) -> dict[str, Any]:
    """The subset of a CloudFormation DistributionConfig the CloudFront API (and moto) needs."""
    origins = [_origin(o) for o in config.get("Origins", [])]
    behaviour = dict(config.get("DefaultCacheBehavior", {}))
    default = {
        "TargetOriginId": behaviour.get("TargetOriginId", origins[0]["Id"] if origins else ""),
        "ViewerProtocolPolicy": behaviour.get("ViewerProtocolPolicy", "redirect-to-https"),
    }
    if isinstance(behaviour.get("CachePolicyId"), str):
        default["CachePolicyId"] = behaviour["CachePolicyId"]
    request: dict[str, Any] = {
        "CallerReference": caller_reference,
        "Comment": str(config.get("Comment", caller_reference))[:128],
        "Enabled": bool(config.get("Enabled", True)),
        "Origins": {"Quantity": len(origins), "Items": origins},
        "DefaultCacheBehavior": default,
    }
    for key in ("PriceClass", "HttpVersion", "DefaultRootObject"):
        if key in config:
            request[key] = config[key]
    return request


def create_distribution(clients: Any, logical_id: str, body: Mapping[str, Any], scope: Scope) -> CreatedResource:
    notes: list[str] = ["only origins, default behaviour, comment, price class and HTTP version are applied"]
    config = dict(_props(body, scope, notes).get("DistributionConfig", {}))
    cloudfront = clients("cloudfront")
    reference = _name(scope.stack_name, logical_id)
    found = None
    for item in cloudfront.list_distributions().get("DistributionList", {}).get("Items", []):
        if cloudfront.get_distribution_config(Id=item["Id"])["DistributionConfig"]["CallerReference"] == reference:
            found = item
    if found is not None:
        dist_id, domain, arn, created = found["Id"], found["DomainName"], found["ARN"], False
    else:
        dist = cloudfront.create_distribution(DistributionConfig=_distribution_request(config, reference))
        dist_id, domain, arn = (
            dist["Distribution"]["Id"],
            dist["Distribution"]["DomainName"],
            dist["Distribution"]["ARN"],
        )
        created = True
    attributes = {"": dist_id, "Id": dist_id, "DomainName": domain}
    return CreatedResource(logical_id, "AWS::CloudFront::Distribution", dist_id, arn, created, attributes, notes)


# Per MediaLive kind: how its resources are listed and created, and the properties passed as they are.
_MEDIALIVE = {
    "Input": ("list_inputs", "Inputs", "create_input",
              ("Destinations", "InputSecurityGroups", "Sources", "RoleArn", "MediaConnectFlows")),
    "Channel": ("list_channels", "Channels", "create_channel",
                ("InputAttachments", "Destinations", "RoleArn", "InputSpecification", "LogLevel")),
}  # fmt: skip


def _medialive(
    clients: Any,
    logical_id: str,
    body: Mapping[str, Any],
    scope: Scope,
    kind: str,
    settings: Callable[[Mapping[str, Any], list[str]], dict[str, Any]],
) -> tuple[dict[str, Any], bool, list[str]]:
    """A MediaLive input or channel found by name, or created with name, tags, the passed properties and
    ``settings(props, notes)``; the item, whether it was created, and the notes."""
    notes: list[str] = []
    props = _props(body, scope, notes)
    medialive = clients("medialive")
    name = str(props.get("Name") or _name(scope.stack_name, logical_id))
    list_method, listed_key, create_method, passed = _MEDIALIVE[kind]

    def create() -> dict[str, Any]:
        request = {"Name": name, "Tags": _tag_dict(props.get(_TAGS)), **{k: props[k] for k in passed if k in props}}
        return dict(getattr(medialive, create_method)(**request, **settings(props, notes))[kind])

    item, created = _found_or_created(getattr(medialive, list_method)().get(listed_key, []), name, create)
    return item, created, notes


def create_medialive_input(clients: Any, logical_id: str, body: Mapping[str, Any], scope: Scope) -> CreatedResource:
    item, created, notes = _medialive(
        clients, logical_id, body, scope, "Input", lambda props, _: {"Type": props.get("Type", "RTMP_PUSH")}
    )
    attributes = {"": item["Id"], "Id": item["Id"], "Arn": item["Arn"]}
    return CreatedResource(logical_id, "AWS::MediaLive::Input", item["Id"], item["Arn"], created, attributes, notes)


_MINIMAL_ENCODER = {
    "VideoDescriptions": [],
    "AudioDescriptions": [],
    "OutputGroups": [],
    "TimecodeConfig": {"Source": "SYSTEMCLOCK"},
}


def _channel_settings(props: Mapping[str, Any], notes: list[str]) -> dict[str, Any]:
    if "EncoderSettings" not in props:
        notes.append("no EncoderSettings in the template: created with empty encoder settings")
    return {
        "EncoderSettings": {**_MINIMAL_ENCODER, **props.get("EncoderSettings", {})},
        "ChannelClass": props.get("ChannelClass", "SINGLE_PIPELINE"),
    }


def create_medialive_channel(clients: Any, logical_id: str, body: Mapping[str, Any], scope: Scope) -> CreatedResource:
    item, created, notes = _medialive(clients, logical_id, body, scope, "Channel", _channel_settings)
    attributes = {"": item["Id"], "Arn": item["Arn"], "Inputs": item.get("PipelineDetails", [])}
    return CreatedResource(logical_id, "AWS::MediaLive::Channel", item["Id"], item["Arn"], created, attributes, notes)


Creator = Callable[[Any, str, Mapping[str, Any], Scope], CreatedResource]
CREATORS: dict[str, Creator] = {
    "AWS::IVS::Channel": create_ivs_channel,
    "AWS::CloudFront::OriginAccessControl": create_origin_access_control,
    "AWS::CloudFront::Distribution": create_distribution,
    "AWS::MediaLive::Input": create_medialive_input,
    "AWS::MediaLive::Channel": create_medialive_channel,
}


def api_created_ids(template: Mapping[str, Any]) -> list[str]:
    """Logical ids created by API, in dependency order (an input before the channel using it)."""
    resources = template.get("Resources", {})
    pending = {lid for lid, body in resources.items() if body.get("Type") in CREATORS}
    ordered: list[str] = []
    while pending:
        ready = sorted(lid for lid in pending if not (referenced_ids(resources[lid]) & pending))
        if not ready:
            raise ValueError(f"circular references between {sorted(pending)}")
        ordered.extend(ready)
        pending -= set(ready)
    return ordered


def early_ids(template: Mapping[str, Any], parameters: Mapping[str, Any]) -> set[str]:
    """API-created resources that reference nothing but other such resources: creatable before the stack."""
    resources = template.get("Resources", {})
    api_ids = set(api_created_ids(template))
    early: set[str] = set()
    for lid in api_created_ids(template):
        refs = referenced_ids(resources[lid].get("Properties", {})) - set(parameters)
        if refs <= early:
            early.add(lid)
    return early & api_ids


# The regional service behind each API-created type (CloudFront is global).
_SERVICES = {
    "AWS::IVS::Channel": "ivs",
    "AWS::MediaLive::Input": "medialive",
    "AWS::MediaLive::Channel": "medialive",
}


class ServiceUnavailable(RuntimeError):
    """The template asks for a service the region does not offer: the cloud deploy would fail too."""


def unavailable_reason(resource_type: str, region: str) -> str | None:
    """Why ``resource_type`` cannot exist in ``region`` (None: it can), from botocore's endpoint data."""
    import boto3

    service = _SERVICES.get(resource_type)
    if service is None or region in boto3.session.Session().get_available_regions(service):
        return None
    return f"{service.upper()} is not offered in {region}; a cloud deploy of this template fails the same way"


def create_all(
    clients: Callable[[str], Any],
    template: Mapping[str, Any],
    ids: list[str],
    scope: Scope,
    *,
    skip_unavailable: bool = True,
) -> tuple[list[CreatedResource], dict[str, str]]:
    """Create (or find) each listed resource; their values join ``scope`` for those after them.

    Returns the resources and ``{logical_id: reason}`` of those skipped because their service is
    not offered in the region (raises :class:`ServiceUnavailable` instead unless ``skip_unavailable``).
    """
    resources = template.get("Resources", {})
    created, skipped = [], {}
    for logical_id in ids:
        body = resources[logical_id]
        reason = unavailable_reason(body["Type"], scope.region)
        if reason:
            if not skip_unavailable:
                raise ServiceUnavailable(f"{body['Type']} {logical_id}: {reason}")
            skipped[logical_id] = reason
            continue
        resource = CREATORS[body["Type"]](clients, logical_id, body, scope)
        scope.values.update(resource.values())
        created.append(resource)
    return created, skipped
