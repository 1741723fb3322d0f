"""The IaC scanners on the synthesised app: cfn-lint clean on every template, checkov clean (its own
venv, ``.livebase/checkov-venv``, made by ``./livebase``), every suppression with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra_cdk.scan import cfn_lint, checkov, checkov_executable, templates
from infra_cdk.scanners import CFN_LINT, CFN_LINT_REASONS, CHECKOV, MIN_REASON


def test_cfn_lint_finds_nothing_in_any_template(synthesised) -> None:
    found = templates(synthesised.outdir)
    assert {p.name for p in found} >= {"Livebase-eu.template.json", "Livebase-hq.template.json"}
    findings = {path.name: cfn_lint(path, region) for path, region in found.items()}
    assert {name: lines for name, lines in findings.items() if lines} == {}


def suppressions(template: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(resource, scanner, rule, reason) of every checkov skip and cfn-lint ignore in a template."""
    found: list[tuple[str, str, str, str]] = []
    for logical_id, resource in template["Resources"].items():
        metadata = resource.get("Metadata", {})
        for skip in metadata.get(CHECKOV, {}).get("skip", []):
            found.append((logical_id, CHECKOV, skip["id"], skip.get("comment", "")))
        reasons = metadata.get(CFN_LINT_REASONS, {})
        for rule in metadata.get(CFN_LINT, {}).get("config", {}).get("ignore_checks", []):
            found.append((logical_id, CFN_LINT, rule, reasons.get(rule, "")))
    return found


def test_every_suppression_carries_a_reason(synthesised) -> None:
    every = [s for stack in synthesised.assembly.stacks for s in suppressions(stack.template)]
    assert every, "no suppressions at all: were the helpers bypassed?"
    assert [s for s in every if len(s[3]) < MIN_REASON] == []
    rules = {(scanner, rule) for _, scanner, rule, _ in every}
    # The whole list, so a new kind of suppression is a reviewed change of this test.
    assert rules == {
        (CHECKOV, "CKV_AWS_116"), (CHECKOV, "CKV_AWS_117"), (CHECKOV, "CKV_AWS_7"), (CHECKOV, "CKV_AWS_18"),
        (CHECKOV, "CKV_AWS_59"), (CHECKOV, "CKV_AWS_120"), (CHECKOV, "CKV_AWS_174"), (CHECKOV, "CKV_AWS_68"),
        (CHECKOV, "CKV_AWS_86"),  # CloudFront in an opt-in Region: v2 log delivery instead (edge_logs_stack.py)
        (CFN_LINT, "W3005"), (CFN_LINT, "E1041"),
    }  # fmt: skip


def test_checkov_finds_nothing_unsuppressed(synthesised) -> None:
    executable = checkov_executable(install=False)
    # ./livebase's set-up installs it, so CI runs this; a bare pytest without it is told how to get it.
    assert executable is not None and Path(executable).exists(), (
        "checkov is not installed: ./livebase test (or python -m infra_cdk.scan) installs it into "
        ".livebase/checkov-venv"
    )
    assert checkov(synthesised.outdir, executable) == []
