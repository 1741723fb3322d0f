"""Load a Lambda function's handler in-process, once per market (and per shard), as Lambda would.

Each Lambda is its own process with its own environment; here several markets share one
process, so each (function, market) gets its own module instance, imported while the process
environment holds that function's variables (handlers read their config at cold start).
"""

from __future__ import annotations

import functools
import importlib.util
import io
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = PROJECT_ROOT / "functions"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
_LOAD_LOCK = threading.Lock()  # cold starts patch the process environment: never two at once


class _RoutedStdout(io.TextIOBase):
    """stdout that sends a handler's output (powertools JSON logs, EMF metrics) to its own log file.

    Lambda sends a function's stdout to CloudWatch Logs; here each invocation's thread writes to
    the function's file while every other thread keeps the terminal.
    """

    def __init__(self, default: io.TextIOBase) -> None:
        self.default = default
        self.local = threading.local()

    def _target(self) -> io.TextIOBase:
        return getattr(self.local, "target", None) or self.default

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()


def _routed_stdout() -> _RoutedStdout:
    if not isinstance(sys.stdout, _RoutedStdout):
        sys.stdout = _RoutedStdout(sys.stdout)  # type: ignore[assignment,arg-type]
    return sys.stdout  # type: ignore[return-value]


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def function_folder(function_name: str, market: str) -> str:
    """``livebase-<market>-<folder>`` (the stacks' naming) -> the folder under ``functions/``."""
    prefix = f"livebase-{market}-"
    folder = function_name.removeprefix(prefix)
    if folder == function_name or not (FUNCTIONS_DIR / folder / "handler.py").is_file():
        raise LookupError(f"function {function_name!r}: no functions/<name>/handler.py for it (named {prefix}<name>)")
    return folder


def function_environment(resources: MarketResources, function: str) -> dict[str, str]:
    """What the CDK stack sets on the function, plus what the Lambda runtime itself sets."""
    return {
        **resources.lambda_environment(),
        "AWS_REGION": resources.region,
        "AWS_DEFAULT_REGION": resources.region,
        "AWS_LAMBDA_FUNCTION_NAME": f"livebase-{resources.market}-{function}",
        "MARKET_CONFIG": load_markets()[resources.market].model_dump_json(),
        "POWERTOOLS_SERVICE_NAME": function,
        "POWERTOOLS_METRICS_NAMESPACE": "Livebase",
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon on one machine
    }


def load_handler(
    function: str,
    resources: MarketResources,
    log_dir: Path | None = None,
    container: str = "",
    environment: Mapping[str, str] | None = None,
) -> tuple[ModuleType, Handler]:
    """Import ``functions/<function>/handler.py`` as a fresh module bound to one market.

    ``container`` names one more instance of the same function and market (the event-source
    runner loads one per shard, as concurrent Lambda invocations run in separate containers).
    With ``log_dir``, what the handler prints goes to ``<log_dir>/<function>-<market>.log``.
    ``environment``: the function's own variables from its deployed configuration, over the common ones.
    """
    stdout = _routed_stdout() if log_dir else None
    path = FUNCTIONS_DIR / function / "handler.py"
    name = f"livebase_local_fn_{function}_{resources.market}" + (f"_{container}" if container else "")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    variables = {**function_environment(resources, function), **(environment or {})}
    with _LOAD_LOCK, patched_environ(variables):  # one cold start at a time
        sys.modules[name] = module
        spec.loader.exec_module(module)
    handler: Handler = module.lambda_handler
    if stdout is None or log_dir is None:
        return module, handler
    log = (log_dir / f"{function}-{resources.market}.log").open("a", encoding="utf-8", buffering=1)

    @functools.wraps(handler)
    def logged(event: dict[str, Any], context: Any) -> dict[str, Any]:
        stdout.local.target = log
        try:
            return handler(event, context)
        finally:
            stdout.local.target = None

    return module, logged
