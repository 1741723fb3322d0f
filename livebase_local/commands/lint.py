"""The lint step of `./livebase test`: ruff check, ruff format --check and mypy over the tree.

A finding fails the command naming ``file:line`` (each tool's own output), with the project's
configuration in ``pyproject.toml`` whatever the working directory.

``python -m livebase_local.commands.lint [PATH ...]`` runs the three checks in turn (the given paths
instead of the tree). ``python -m livebase_local.commands.lint --pytest [ARG ...]`` is `./livebase
test`: the ruff checks first (a second or two: a finding fails before pytest starts), then mypy
*beside* pytest. mypy takes a minute and a half on a cold cache (CI's is always cold) on one core,
while the suite leaves part of the other idle; a mypy finding stops pytest at once and fails the
command, so it fails as early as it did before pytest, and a clean run no longer waits for it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = PROJECT_ROOT / "pyproject.toml"
# What mypy checks: every package of the tree (the `livebase` package through `mypy_path = "layers"`).
TYPED_PATHS = ("layers/livebase", "functions", "flows", "infra_cdk", "livebase_local", "benchmarks", "tests")
PYTEST_FLAG = "--pytest"


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
    failed = [check.name for check in checks(paths) if not _passes(check)]
    return _verdict(failed)


def run_suite(pytest_args: Sequence[str], paths: Sequence[str] = ()) -> int:
    """`./livebase test`: ruff, then mypy beside pytest (module docstring); pytest's exit code when all is clean."""
    *ruff, mypy = checks(paths)
    failed = [check.name for check in ruff if not _passes(check)]
    if failed:
        return _verdict(failed)
    with tempfile.TemporaryFile("w+") as findings:
        started = time.monotonic()
        typing = subprocess.Popen(mypy.command, cwd=PROJECT_ROOT, stdout=findings, stderr=subprocess.STDOUT)
        tests = subprocess.Popen([sys.executable, "-m", "pytest", *pytest_args])
        took = None  # mypy's own seconds, noted when it ends
        try:
            while tests.poll() is None and typing.poll() in (None, 0):
                if took is None and typing.poll() == 0:
                    took = time.monotonic() - started
                time.sleep(0.5)
            if typing.poll() not in (None, 0):  # a finding: the suite's result no longer matters
                tests.send_signal(signal.SIGINT)  # pytest's own interrupt: xdist's workers end with it
                tests.wait()
            code = typing.wait()
        except KeyboardInterrupt:  # Ctrl-C reached both children too (same process group)
            tests.wait()
            typing.wait()
            return 130
        findings.seek(0)
        if code != 0:
            sys.stdout.write(findings.read())
            print(f"lint: mypy failed (exit {code})", flush=True)
            return _verdict([mypy.name])
        print(f"lint: mypy clean ({took or time.monotonic() - started:.0f}s, beside pytest)", flush=True)
    return tests.returncode


def _passes(check: Check) -> bool:
    started = time.monotonic()
    result = subprocess.run(check.command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    took = time.monotonic() - started
    if result.returncode == 0:
        print(f"lint: {check.name} clean ({took:.0f}s)", flush=True)
        return True
    sys.stdout.write(result.stdout)
    sys.stdout.write(result.stderr)
    print(f"lint: {check.name} failed (exit {result.returncode})", flush=True)
    return False


def _verdict(failed: Sequence[str]) -> int:
    if failed:
        print(f"lint: {', '.join(failed)} found problems above (file:line); fix them, then run the tests again")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [PYTEST_FLAG]:
        return run_suite(args[1:])
    return run_checks([str(Path(path).resolve()) for path in args])  # the checks run from the project root


if __name__ == "__main__":
    sys.exit(main())
