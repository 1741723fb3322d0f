"""Load a Lambda function's handler in-process, once per market, as Lambda would.

Each Lambda is its own process with its own environment; here several markets share one
process, so each (function, market) gets its own module instance, imported while the process
environment holds that function's variables (handlers read their config at cold start).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from livebase.resources import MarketResources

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS_DIR = PROJECT_ROOT / "functions"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class LocalLambdaContext:
    """The parts of the Lambda context object that handlers and powertools read."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_ms: int = 60_000
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


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


def function_environment(resources: MarketResources, service: str) -> dict[str, str]:
    """What the CDK stack sets on the function, plus what the Lambda runtime itself sets."""
    return {
        **resources.lambda_environment(),
        "AWS_REGION": resources.region,
        "AWS_DEFAULT_REGION": resources.region,
        "AWS_LAMBDA_FUNCTION_NAME": resources.ingest_function_name,
        "POWERTOOLS_SERVICE_NAME": service,
        "POWERTOOLS_METRICS_NAMESPACE": "Livebase",
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon on one machine
    }


def load_handler(function: str, resources: MarketResources) -> tuple[ModuleType, Handler]:
    """Import ``functions/<function>/handler.py`` as a fresh module bound to one market."""
    path = FUNCTIONS_DIR / function / "handler.py"
    name = f"livebase_local_fn_{function}_{resources.market}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    with patched_environ(function_environment(resources, function)):
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module, module.lambda_handler
