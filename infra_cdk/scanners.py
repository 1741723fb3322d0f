"""Suppressions for the IaC scanners other than cdk-nag (``nag.py``): checkov and cfn-lint.

Both read the resource's CloudFormation ``Metadata``: checkov ``{"checkov": {"skip": [{id, comment}]}}``,
cfn-lint ``{"cfn-lint": {"config": {"ignore_checks": [rule]}}}``. cfn-lint has no field for a reason,
so the reason goes beside it under ``livebase:cfn-lint`` (rule -> reason). Every suppression goes
through here so none is left without one; ``tests/infra/test_scanners.py`` reads them back.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnResource
from constructs import IConstruct

from infra_cdk.nag import acknowledge

CHECKOV = "checkov"
CFN_LINT = "cfn-lint"
CFN_LINT_REASONS = "livebase:cfn-lint"
MIN_REASON = 20


def cfn_resource(construct: IConstruct) -> CfnResource:
    """The CloudFormation resource of an L1 or L2 construct (its default child)."""
    if isinstance(construct, CfnResource):
        return construct
    child = construct.node.default_child
    if not isinstance(child, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource to suppress a finding on")
    return child


def _reason(rule: str, reason: str) -> str:
    if len(reason) < MIN_REASON:
        raise ValueError(f"suppression of {rule} needs a specific reason, got {reason!r}")
    return reason


def skip_checkov(construct: IConstruct, check_id: str, comment: str) -> None:
    """Skip one checkov check on this resource, with the reason as checkov's ``comment``."""
    resource = cfn_resource(construct)
    current: dict[str, Any] = resource.get_metadata(CHECKOV) or {}
    skips = [s for s in current.get("skip", []) if s["id"] != check_id]
    skips.append({"id": check_id, "comment": _reason(check_id, comment)})
    resource.add_metadata(CHECKOV, {**current, "skip": skips})


def acknowledge_everywhere(construct: IConstruct, *, nag_rule: str, checkov_id: str, reason: str) -> None:
    """One finding that cdk-nag and checkov both raise (each under its own rule), one reason for both."""
    acknowledge(construct, nag_rule, reason)
    skip_checkov(construct, checkov_id, reason)


def ignore_cfn_lint(construct: IConstruct, rule: str, reason: str) -> None:
    """Ignore one cfn-lint rule on this resource; the reason is kept beside it."""
    resource = cfn_resource(construct)
    config: dict[str, Any] = resource.get_metadata(CFN_LINT) or {"config": {}}
    checks = [c for c in config["config"].get("ignore_checks", []) if c != rule]
    resource.add_metadata(CFN_LINT, {"config": {**config["config"], "ignore_checks": [*checks, rule]}})
    reasons: dict[str, str] = resource.get_metadata(CFN_LINT_REASONS) or {}
    resource.add_metadata(CFN_LINT_REASONS, {**reasons, rule: _reason(rule, reason)})
