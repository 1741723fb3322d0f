"""`./livebase test` lints before pytest, and the lint step fails naming file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from livebase_local.commands import lint

ROOT = Path(__file__).resolve().parents[2]


def _test_branch() -> list[str]:
    script = (ROOT / "livebase").read_text().splitlines()
    start = next(n for n, line in enumerate(script) if line.strip() == "test)")
    end = next(n for n in range(start, len(script)) if script[n].strip() == ";;")
    return [line.strip() for line in script[start:end] if line.strip() and not line.strip().startswith("#")]


def test_the_test_command_lints_before_pytest_and_ci_runs_it() -> None:
    branch = _test_branch()
    lint_line = next(n for n, line in enumerate(branch) if "-m livebase_local.commands.lint" in line)
    pytest_line = next(n for n, line in enumerate(branch) if "-m pytest" in line)
    assert lint_line < pytest_line
    assert "||" not in branch[lint_line]  # a finding stops the script (set -e), never ignored
    assert branch[pytest_line].startswith("exec ")  # pytest's own exit code (5: no tests) is the script's
    assert "set -euo pipefail" in (ROOT / "livebase").read_text()
    assert "./livebase test" in (ROOT / ".ci" / "run").read_text()


@pytest.fixture(autouse=True)
def own_mypy_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """mypy's cache keys a module by its name: the project's cache would answer for another run's bad.py."""
    monkeypatch.setenv("MYPY_CACHE_DIR", str(tmp_path / "mypy-cache"))


def test_findings_fail_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('import os\n\n\ndef answer() -> int:\n    return "forty-two"\nspaced = [1,\n  2]\n')
    assert lint.main([str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:1:8: F401" in out  # ruff check
    assert f"--- {bad}" in out and "@@ -3,5" in out  # ruff format: the diff, with its lines
    assert f"{bad}:5: error: Incompatible return value type" in out  # mypy
    assert "lint: ruff check, ruff format, mypy found problems" in out


def test_a_clean_file_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.py"
    good.write_text('def answer() -> int:\n    """Why: a clean file passes."""\n    return 42\n')
    assert lint.main([str(good)]) == 0
    assert capsys.readouterr().out.count(" clean (") == 3


def test_mypy_checks_every_package_of_the_tree() -> None:
    mypy = next(check for check in lint.checks([]) if check.name == "mypy")
    assert all(path in mypy.command for path in lint.TYPED_PATHS)
    assert all((ROOT / path).is_dir() for path in lint.TYPED_PATHS)
