"""Lambda's side of a handler test: the sample events in events/, other bodies in their shape, a context."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def sample(name: str) -> dict[str, Any]:
    """``events/<name>.json``, parsed."""
    return dict(json.loads((EVENTS_DIR / f"{name}.json").read_text()))


def with_bodies(event: dict[str, Any], *bodies: str) -> dict[str, Any]:
    """The sample's record shape with other bodies (and message ids)."""
    template = event["Records"][0]
    records = [{**copy.deepcopy(template), "messageId": str(uuid.uuid4()), "body": body} for body in bodies]
    return {"Records": records}


def lambda_context(function_name: str = "livebase-test", region: str = "eu-central-1") -> SimpleNamespace:
    """What powertools reads of Lambda's context object."""
    return SimpleNamespace(
        function_name=function_name, memory_limit_in_mb=512, aws_request_id="req-1",
        invoked_function_arn=f"arn:aws:lambda:{region}:123456789012:function:{function_name}",
    )  # fmt: skip


CONTEXT = lambda_context()
ERASURE_EVENT = sample("apigateway_post_erasure")
ERASURE_CONTEXT = lambda_context("livebase-eu-erasure")
