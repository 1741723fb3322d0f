"""cdk-nag (3.x) wiring: run AwsSolutions on the whole app, acknowledge findings with reasons."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, CfnElement, Stack, Stage, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def enable_checks(app: Stage) -> None:
    """Any unacknowledged AwsSolutions finding makes synth raise ``ValidationFailed``."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Suppress one finding (``AwsSolutions-IAM5[Resource::...]`` for a single wildcard) on a scope."""
    if len(reason) < 20:
        raise ValueError(f"suppression of {rule} needs a specific reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_all(scope: IConstruct, reasons: Mapping[str, str]) -> None:
    """Suppress each finding of ``reasons`` (rule to its reason) on a scope, as :func:`acknowledge` does."""
    for rule, reason in reasons.items():
        acknowledge(scope, rule, reason)


def arn_ref(construct: IConstruct) -> str:
    """How cdk-nag names ``construct``'s ARN in a finding id: ``<LogicalId.Arn>``."""
    default_child = construct.node.default_child
    if not isinstance(default_child, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    return f"<{Stack.of(construct).get_logical_id(default_child)}.Arn>"


def acknowledge_grant_put(policy: IConstruct, bucket: IConstruct, objects: str, who: str) -> None:
    """``bucket.grant_put`` wildcards: object keys under a prefix, multipart abort, SSE-KMS data keys."""
    reasons = {
        f"AwsSolutions-IAM5[Resource::{arn_ref(bucket)}/{objects}]": f"{who} writes objects under this "
        "prefix of the market's own bucket; object keys are per event, unknown at deploy time.",
        "AwsSolutions-IAM5[Action::s3:Abort*]": "From bucket.grant_put: abort its own multipart uploads "
        "on the market's bucket only.",
    }
    acknowledge_all(policy, reasons)
    acknowledge_key_grants(policy)


def acknowledge_grant_read(policy: IConstruct, who: str) -> None:
    """``bucket.grant_read`` on the quarantine prefix: the action wildcards it adds."""
    reasons = {
        "AwsSolutions-IAM5[Action::s3:GetObject*]": f"{who} reads back its own quarantined records (under "
        "the prefix only) to tell a redelivered record from a new one.",
        "AwsSolutions-IAM5[Action::s3:GetBucket*]": "From bucket.grant_read on the market's own bucket.",
        "AwsSolutions-IAM5[Action::s3:List*]": "From bucket.grant_read: without ListBucket a missing "
        "quarantine object reads as AccessDenied, not NotFound.",
    }
    acknowledge_all(policy, reasons)


def acknowledge_key_grants(policy: IConstruct) -> None:
    """The action wildcards a grant on a KMS-encrypted store adds for the store's key."""
    reasons = {
        "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]": "From grants on the market key only (its stores "
        "are SSE-KMS with it); the key is the statement's one resource.",
        "AwsSolutions-IAM5[Action::kms:ReEncrypt*]": "From grants on the market key only; the key is the "
        "statement's one resource.",
    }
    acknowledge_all(policy, reasons)


def nag_resource(scope: IConstruct, arn: str) -> str:
    """How cdk-nag writes ``arn`` in a finding id: tokens as ``<AWS::AccountId>`` or ``<Logical.Attr>``."""
    resolved = Stack.of(scope).resolve(arn)
    if isinstance(resolved, str):
        return resolved
    separator, parts = resolved["Fn::Join"]

    def render(part: object) -> str:
        if isinstance(part, str):
            return part
        if isinstance(part, dict) and "Ref" in part:
            return f"<{part['Ref']}>"
        if isinstance(part, dict) and "Fn::GetAtt" in part:
            return "<{}.{}>".format(*part["Fn::GetAtt"])
        raise TypeError(f"cannot name {part!r} as cdk-nag does")

    return str(separator).join(render(p) for p in parts)
