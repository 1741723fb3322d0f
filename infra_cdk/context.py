"""A table-valued CDK context entry, as cdk.json holds it (an object) or as ``-c name='{...}'`` hands
it to the app (its JSON text): one reading for every such entry, with an error that names it."""

from __future__ import annotations

import json
from typing import Any

from constructs import Construct


class ContextError(ValueError):
    """A context entry that is neither an object nor its JSON text; the message names the entry."""


def context_table(scope: Construct, name: str) -> dict[str, Any]:
    """The context entry ``name`` as a dict ({} when unset)."""
    value: Any = scope.node.try_get_context(name)
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ContextError(f"context value {name} is not JSON: {error} (-c {name}='{{...}}')") from None
    if not isinstance(value, dict):
        raise ContextError(f"context value {name} must be an object, got {value!r}")
    return value
