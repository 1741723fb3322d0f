"""The lint step of `./livebase test`: ruff check, ruff format --check and mypy over the tree.

Run before pytest so a finding fails CI at once, naming ``file:line`` (each tool's own output),
with the project's configuration in ``pyproject.toml`` whatever the working directory.
``python -m livebase_local.commands.lint [PATH ...]`` checks the given paths instead of the tree.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = PROJECT_ROOT / "pyproject.toml"
# What mypy checks: every package of the tree (the `livebase` package through `mypy_path = "layers"`).
TYPED_PATHS = ("layers/livebase", "functions", "flows", "infra_cdk", "livebase_local", "benchmarks", "tests")


@dataclass(frozen=True)
class Check:
    name: str
    command: list[str]


def checks(paths: Sequence[str]) -> list[Check]:
    """The three checks, each with the project's configuration passed explicitly."""
    python = sys.executable
    ruff = [python, "-m", "ruff"]
    linted = list(paths) or ["."]
    return [
        Check("ruff check", [*ruff, "check", "--config", str(CONFIG), "--output-format", "concise", *linted]),
        # --diff: what would change, with line numbers (--check names only the file)
        Check("ruff format", [*ruff, "format", "--diff", "--config", str(CONFIG), *linted]),
        Check("mypy", [python, "-m", "mypy", "--config-file", str(CONFIG), *(list(paths) or TYPED_PATHS)]),
    ]


def run_checks(paths: Sequence[str] = ()) -> int:
    """Run every check (a failure does not hide the next one's findings); 1 if any failed."""
    failed: list[str] = []
    for check in checks(paths):
        started = time.monotonic()
        result = subprocess.run(check.command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
        took = time.monotonic() - started
        if result.returncode == 0:
            print(f"lint: {check.name} clean ({took:.0f}s)", flush=True)
            continue
        failed.append(check.name)
        sys.stdout.write(result.stdout)
        sys.stdout.write(result.stderr)
        print(f"lint: {check.name} failed (exit {result.returncode})", flush=True)
    if failed:
        print(f"lint: {', '.join(failed)} found problems above (file:line); fix them before the tests run")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    return run_checks([str(Path(path).resolve()) for path in paths])  # the checks run from the project root


if __name__ == "__main__":
    sys.exit(main())
