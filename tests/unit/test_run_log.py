"""The demo's terminal carries its report only: prints, library logs, a console handler set up
on import (as Prefect's) and warnings go to the run's file under the logs folder."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from livebase_local.commands.run_log import RunLog


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """RunLog leaves logging on its file until the process ends: give the other tests theirs back."""
    root = logging.getLogger()
    saved = list(root.handlers)
    yield
    root.handlers[:] = saved
    logging.getLogger("console.lib").handlers.clear()
    logging.captureWarnings(False)


@pytest.mark.usefixtures("restored_logging")
def test_report_on_the_terminal_everything_else_in_the_run_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with RunLog(tmp_path / "logs", "demo") as run:
        print('{"level": "INFO", "message": "a handler line printed on the main thread"}')
        logging.getLogger("some.library").warning("a library warning")
        console = logging.getLogger("console.lib")  # configured on import, as Prefect's loggers are
        console.addHandler(logging.StreamHandler(sys.stderr))
        console.propagate = False
        run.quiet_terminal()
        console.warning("a console handler's line")
        warnings.warn("a deprecation", UserWarning, stacklevel=1)
        logging.getLogger("prefect.task_runs").warning("done", extra={"task_run_name": "hand-off-to-wms-0"})
        run.report("market  orders  placed")
    assert capsys.readouterr() == ("market  orders  placed\n", "")
    assert run.path.parent == tmp_path / "logs" and run.path.name.startswith("demo-")
    logged = run.path.read_text()
    for line in ("a handler line printed", "a library warning", "a console handler's line", "a deprecation"):
        assert line in logged
    assert "market  orders" not in logged
    assert "prefect.task_runs [hand-off-to-wms-0]: done" in logged  # the run's name, as Prefect's console showed it


def test_quiet_terminal_needs_the_with_block(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="outside its with block"):
        RunLog(tmp_path, "demo").quiet_terminal()
