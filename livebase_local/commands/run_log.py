"""A command's report on the terminal, everything else in a log file under ``.livebase/logs/``.

The demo runs Prefect flows, in-process handlers and libraries that log to the terminal (Prefect's
console handler, powertools JSON lines printed by handlers called outside the runner's threads,
warnings); mixed into the report they hid it. Inside :class:`RunLog`, ``sys.stdout`` and every
logging handler that wrote to the terminal go to one file per run, and the report is written
through :meth:`RunLog.report` to the terminal the command started with. Errors the command raises
still reach stderr.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _RunNameFormatter(logging.Formatter):
    """Prefect's run loggers carry the flow or task run's name: keep it, as Prefect's console did."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        run = getattr(record, "task_run_name", None) or getattr(record, "flow_run_name", None)
        return line.replace(": ", f" [{run}]: ", 1) if run else line


def _writes_to_terminal(handler: logging.Handler, terminals: tuple[object, ...]) -> bool:
    """A stream handler on stdout / stderr (Prefect's console handler is one), not a file handler."""
    if isinstance(handler, logging.FileHandler) or not isinstance(handler, logging.StreamHandler):
        return False
    return handler.stream in terminals


class RunLog:
    """``with RunLog(log_dir, "demo") as run: run.report("...")``; the log is ``run.path``.

    Leaving the block gives ``sys.stdout`` back; logging stays on the file until the process ends,
    so what libraries log while shutting down (Prefect's log worker) does not reach the terminal.
    """

    def __init__(self, log_dir: Path, name: str) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.path = log_dir / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.log"
        self.terminal: TextIO = sys.stdout
        self._file: TextIO | None = None
        self._handler: logging.Handler | None = None

    def __enter__(self) -> RunLog:
        self.terminal = sys.stdout
        self._file = self.path.open("a", encoding="utf-8", buffering=1)  # line-buffered: readable while it runs
        self._handler = logging.StreamHandler(self._file)
        self._handler.setFormatter(_RunNameFormatter(FORMAT))
        sys.stdout = self._file
        logging.captureWarnings(True)  # warnings.warn -> the py.warnings logger -> the file
        self.quiet_terminal()
        return self

    def quiet_terminal(self) -> None:
        """Move every logging handler that writes to the terminal onto the run's file.

        Call again after importing a library that configures logging on import (Prefect does:
        its console handler on the root logger and on uvicorn's loggers)."""
        if self._handler is None:
            raise RuntimeError("RunLog.quiet_terminal outside its with block")
        terminals = (self.terminal, sys.__stdout__, sys.__stderr__, sys.stderr)
        root = logging.getLogger()
        named = [logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
        for logger in [root, *named]:
            loud = [handler for handler in logger.handlers if _writes_to_terminal(handler, terminals)]
            for handler in loud:
                logger.removeHandler(handler)
            if (loud or logger is root) and self._handler not in logger.handlers:
                logger.addHandler(self._handler)

    def report(self, *parts: object) -> None:
        """A line of the report, on the terminal the command started with."""
        print(*parts, file=self.terminal, flush=True)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        sys.stdout = self.terminal
        if self._file is not None:
            self._file.flush()
