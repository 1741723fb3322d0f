"""``python -m infra_cdk.scan``: synthesise the app, then cfn-lint and checkov every template.

cfn-lint runs from the project's environment. checkov cannot join the project's dependencies
(checkov 3.3 pins ``packaging<24``, the project needs ``packaging>=24``), so it runs from a venv
of its own, ``.livebase/checkov-venv`` (made by ``./livebase``'s set-up, else on first use) (``$LIVEBASE_CHECKOV`` names
another checkov executable). Exit status 1 on any finding; suppressions live in the templates'
Metadata (``infra_cdk/scanners.py``), so a clean run needs no command-line skips.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from cfnlint.api import ManualArgs, lint_file

PROJECT = Path(__file__).resolve().parents[1]
CHECKOV_VENV = PROJECT / ".livebase" / "checkov-venv"
CHECKOV_REQUIREMENTS = Path(__file__).with_name("checkov-requirements.txt")  # the pin ./livebase installs
CHECKOV_ENV = "LIVEBASE_CHECKOV"


def templates(outdir: Path) -> dict[Path, str]:
    """Each synthesised template and the Region its stack deploys to (from the assembly manifest)."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    found: dict[Path, str] = {}
    for artifact in manifest["artifacts"].values():
        if artifact["type"] == "aws:cloudformation:stack":
            region = artifact["environment"].rsplit("/", 1)[-1]
            found[outdir / artifact["properties"]["templateFile"]] = region
    return found


def cfn_lint(template: Path, region: str) -> list[str]:
    """cfn-lint findings of one template as ``rule path: message`` lines."""
    return [
        f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}"
        for m in lint_file(template, config=ManualArgs(regions=[region]))
    ]


def checkov_executable(install: bool = True) -> Path | None:
    """checkov from ``$LIVEBASE_CHECKOV`` or the scan venv (installed into it when ``install``)."""
    explicit = os.environ.get(CHECKOV_ENV)
    if explicit:
        return Path(explicit)
    executable = CHECKOV_VENV / "bin" / "checkov"
    if executable.is_file():
        return executable
    if not install:
        return None
    subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
    subprocess.run([str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", "-r", str(CHECKOV_REQUIREMENTS)], check=True)
    return executable


def checkov(outdir: Path, executable: Path) -> list[str]:
    """checkov's failed CloudFormation checks over the assembly folder, as ``check resource file`` lines."""
    run = subprocess.run(
        [str(executable), "-d", str(outdir), "--framework", "cloudformation", "-o", "json", "--quiet", "--compact"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if not run.stdout.strip():
        raise RuntimeError(f"checkov printed no report (exit {run.returncode}): {run.stderr[-2000:]}")
    reports = json.loads(run.stdout)
    failed = [
        f"{f['check_id']} {f['resource']} {Path(f['file_path']).name}"
        for report in (reports if isinstance(reports, list) else [reports])
        for f in report.get("results", {}).get("failed_checks", [])
    ]
    return failed


def main() -> int:
    from infra_cdk.app import build_app

    outdir = Path(os.environ.get("CDK_OUTDIR") or tempfile.mkdtemp(prefix="livebase-scan-"))
    build_app(outdir=str(outdir)).synth()  # cdk-nag runs here: a finding raises
    findings = [f"cfn-lint {t.name}: {line}" for t, region in templates(outdir).items() for line in cfn_lint(t, region)]
    findings += [f"checkov {line}" for line in checkov(outdir, checkov_executable() or Path("checkov"))]
    for line in findings:
        print(line)
    print(f"scan: {len(findings)} finding(s) in {outdir}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
