"""The templates deploy into moto's CloudFormation: nothing kept points at what moto ignores."""

from __future__ import annotations

from typing import Any

import pytest

from livebase_local.aws.template_transform import ALWAYS_DROPPED_PREFIXES, API_CREATED_TYPES
from tests.infra.stacks import HQ, SELLING


def _references(node: Any) -> set[str]:
    """Logical ids a template fragment points at through Ref / Fn::GetAtt."""
    if isinstance(node, dict):
        found: set[str] = set()
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            else:
                found |= _references(value)
        return found
    if isinstance(node, list):
        return set().union(*(_references(item) for item in node)) if node else set()
    return set()


def _moto_cloudformation_types() -> set[str]:
    import importlib

    from moto.core.common_models import CloudFormationModel

    for service in (
        "kms", "sqs", "sns", "logs", "events", "awslambda", "kinesis", "dynamodb", "s3", "iam", "apigateway", "ssm",
        "secretsmanager", "iot",
    ):  # fmt: skip
        importlib.import_module(f"moto.{service}.models")
    stack, types = list(CloudFormationModel.__subclasses__()), set()
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        try:
            types.add(model.cloudformation_type())
        except NotImplementedError:
            continue
    return types


@pytest.mark.parametrize("market_id", SELLING + HQ)
def test_deployable_into_moto(synthesised, market_id: str) -> None:
    """No custom resources; what moto creates (and every output) never points at what it ignores."""
    raw = synthesised.raw(market_id)
    types = {logical_id: r["Type"] for logical_id, r in raw["Resources"].items()}
    assert not [t for t in types.values() if t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource"]
    created = _moto_cloudformation_types()
    ignored = {
        logical_id for logical_id, t in types.items() if t not in created or t.startswith(ALWAYS_DROPPED_PREFIXES)
    }
    # Channels created through their APIs (livebase_local.aws.api_resources) may be named by the room-cue
    # function's environment (substituted, or resolved after the stack: template_transform's pending
    # environment) and its channel grant (moto enforces no IAM; a grant on a channel created after the
    # stack is dropped locally and listed in the transform's report).
    by_api = {logical_id for logical_id, t in types.items() if t in API_CREATED_TYPES}
    for logical_id, resource in raw["Resources"].items():
        if logical_id not in ignored:
            depends = resource.get("DependsOn", [])
            targets = _references(resource) | set([depends] if isinstance(depends, str) else depends)
            if resource["Type"] in ("AWS::Lambda::Function", "AWS::IAM::Policy"):
                targets -= by_api
            if resource["Type"] == "AWS::Lambda::Permission" or resource["Type"].startswith("AWS::ApiGateway::"):
                # moto enforces no resource policy and models no request validator or stage: the REST APIs'
                # parts naming them are inert locally (their functions are invoked in-process, see the transform)
                targets -= ignored
            if resource["Type"] == "AWS::IAM::Policy":  # moto enforces no IAM: the transform drops such grants
                targets -= {t for t in targets if types.get(t) == "AWS::SecretsManager::Secret"}
            assert not targets & ignored, (logical_id, targets & ignored)
    api_parts = {logical_id for logical_id, t in types.items() if t.startswith("AWS::ApiGateway::")}
    # the API URLs and outputs naming API-created resources (the replay distribution): evaluated after the stack
    secrets = {logical_id for logical_id, t in types.items() if t == "AWS::SecretsManager::Secret"}  # flow runtime's
    assert not _references(raw["Outputs"]) & ignored - api_parts - by_api - secrets


@pytest.mark.parametrize("market_id", SELLING)
def test_the_security_parts_moto_cannot_model_are_dropped_and_reported(synthesised, market_id: str) -> None:
    """WAF and on-failure configs go (reported, with why); the functions stay with their limits and key."""
    from livebase_local.aws.deploy import moto_resource_types
    from livebase_local.aws.template_transform import transform_for_moto

    result = transform_for_moto(synthesised.raw(market_id), moto_resource_types())
    reasons = {d.resource_type: d.reason for d in result.dropped}
    for dropped in ("AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation", "AWS::Lambda::EventInvokeConfig"):
        assert "no model" in reasons[dropped], dropped
    kept = [r["Properties"] for r in result.template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert kept and all("ReservedConcurrentExecutions" in p and "KmsKeyArn" in p for p in kept)
