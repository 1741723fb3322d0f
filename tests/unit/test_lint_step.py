"""`./livebase test` lints around pytest (ruff before it, mypy beside it), and a finding fails naming file:line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from livebase_local.commands import lint

ROOT = Path(__file__).resolve().parents[2]


def _test_branch() -> list[str]:
    script = (ROOT / "livebase").read_text().splitlines()
    start = next(n for n, line in enumerate(script) if line.strip() == "test)")
    end = next(n for n in range(start, len(script)) if script[n].strip() == ";;")
    return [line.strip() for line in script[start:end] if line.strip() and not line.strip().startswith("#")]


def test_the_test_command_is_the_lint_step_around_pytest_and_ci_runs_it() -> None:
    [command] = [line for line in _test_branch() if "-m livebase_local.commands.lint" in line]
    assert command.startswith("exec ") and " --pytest " in command and command.endswith('"$@"')  # its exit code
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


def _suite_files(tmp_path: Path, source: str, test: str) -> tuple[Path, Path]:
    checked, tests = tmp_path / "checked.py", tmp_path / "test_suite_probe.py"
    checked.write_text(source)
    tests.write_text(test)
    return checked, tests


CLEAN = 'def answer() -> int:\n    """Why: a clean file passes."""\n    return 42\n'


def test_a_mypy_finding_stops_pytest_and_fails_the_suite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checked, tests = _suite_files(tmp_path, CLEAN.replace("return 42", 'return "42"'),
                                  "import time\n\n\ndef test_slow() -> None:\n    time.sleep(120)\n")  # fmt: skip
    started = time.monotonic()
    assert lint.run_suite([str(tests), "-q", "-p", "no:cacheprovider"], [str(checked)]) == 1
    assert time.monotonic() - started < 100  # pytest was stopped, not waited for (it sleeps two minutes)
    out = capsys.readouterr().out
    assert f"{checked}:3: error: Incompatible return value type" in out and "lint: mypy failed" in out


def test_a_ruff_finding_fails_before_pytest_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checked, tests = _suite_files(tmp_path, "import os\n" + CLEAN, "def test_never() -> None:\n    raise SystemExit\n")
    assert lint.run_suite([str(tests)], [str(checked)]) == 1
    out = capsys.readouterr().out
    assert f"{checked}:1:8: F401" in out and "mypy" not in out


def test_a_clean_suite_returns_pytest_s_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checked, tests = _suite_files(tmp_path, CLEAN, "def test_fails() -> None:\n    assert 1 == 2\n")
    assert lint.run_suite([str(tests), "-q", "-p", "no:cacheprovider"], [str(checked)]) == 1  # pytest's: 1 failed
    assert "lint: mypy clean" in capsys.readouterr().out
    tests.write_text("def test_passes() -> None:\n    assert 2 == 2\n")
    assert lint.run_suite([str(tests), "-q", "-p", "no:cacheprovider"], [str(checked)]) == 0
