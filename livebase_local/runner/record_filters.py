"""Lambda event filtering for Kinesis mappings, the part the stacks use, applied by the local runner.

Lambda drops a record before the invocation unless it matches one of the mapping's filter
patterns (``FilterCriteria``); a dropped record counts as processed. For Kinesis the pattern
addresses the record's metadata (``partitionKey``) and, when the data is JSON, its fields under
``data``. Supported here: exact-value lists at any depth, e.g.
``{"data": {"type": ["order_placed", "refund"]}}``. Anything else (prefix, numeric, exists,
anything-but ...) is refused when the runner starts, not silently treated as a match.

Hostile data cannot stop the runner: a record over the admission limits (size, depth, members;
:func:`livebase.live.admission.shape_fault`) is not decoded at all and, like any record that is not
JSON, matches no data filter; one whose evaluation still fails is delivered, never dropped
(the handler's own admission decides it).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from typing import Any

from livebase.live.admission import shape_fault

_NOT_JSON = object()


class UnsupportedFilter(ValueError):
    """A filter rule the local runner does not implement (it would change what is delivered)."""


def _check(pattern: Any, where: str) -> None:
    if isinstance(pattern, Mapping):
        for key, value in pattern.items():
            _check(value, f"{where}.{key}")
        return
    if not isinstance(pattern, list) or not pattern:
        raise UnsupportedFilter(f"{where}: a rule must be a non-empty list of values")
    for value in pattern:
        if isinstance(value, Mapping | list):
            raise UnsupportedFilter(f"{where}: only exact values are supported locally, not {json.dumps(value)}")


def _matches(pattern: Mapping[str, Any], document: Any) -> bool:
    if not isinstance(document, Mapping):
        return False
    for key, rule in pattern.items():
        if key not in document:
            return False
        value = document[key]
        if isinstance(rule, Mapping):
            if not _matches(rule, value):
                return False
        elif value not in rule or isinstance(value, Mapping | list):
            return False
    return True


class RecordFilter:
    """The mapping's patterns; ``keeps(record)`` for a Kinesis GetRecords record."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns: list[dict[str, Any]] = []
        for text in patterns:
            pattern = json.loads(text)
            if not isinstance(pattern, dict) or not set(pattern) <= {"data", "partitionKey"}:
                raise UnsupportedFilter(f"pattern {text}: only 'data' and 'partitionKey' are supported locally")
            _check(pattern, "pattern")
            self.patterns.append(pattern)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def keeps(self, record: Mapping[str, Any]) -> bool:
        """True when there are no patterns or the record matches any of them."""
        if not self.patterns:
            return True
        try:
            data: Any = record.get("Data", b"")
            if isinstance(data, str):  # base64 text, as in a Lambda event
                data = base64.b64decode(data)
            decoded: Any = _NOT_JSON if shape_fault(data) else json.loads(data)
        except ValueError:
            decoded = _NOT_JSON  # Lambda: data filters never match a non-JSON record
        document = {"partitionKey": record.get("PartitionKey"), "data": decoded}
        try:
            return any(_matches(pattern, document) for pattern in self.patterns)
        except Exception:  # could not be evaluated: deliver it rather than lose it
            return True
