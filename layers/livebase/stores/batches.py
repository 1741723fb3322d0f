"""DynamoDB batch reads and writes that finish, or fail saying what is left.

``batch_get_item`` and ``batch_write_item`` may hand back part of a request unprocessed
(throttling, size limits); it has to be sent again, with a pause. Here that is done a bounded
number of times with a doubling backoff, then :class:`UnprocessedError` names what is left.
Works with a low-level client (typed attribute values) or a resource's ``meta.client`` (plain
Python values): keys and items pass through as the caller gives them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from livebase.aws import TransientError

READ_BATCH = 100  # batch_get_item's limit
WRITE_BATCH = 25  # batch_write_item's limit
ATTEMPTS = 6  # calls per batch before giving up on what stays unprocessed
BACKOFF_SECONDS = 0.05  # doubled after each call that left something unprocessed

Sleep = Callable[[float], None]


class UnprocessedError(TransientError):
    """What DynamoDB kept leaving unprocessed (``left``: the keys or items) after every attempt."""

    def __init__(self, message: str, left: list[Any]) -> None:
        super().__init__(message)
        self.left = left


def get_all(
    client: Any, table: str, keys: Sequence[Any], *, consistent_read: bool = False, sleep: Sleep = time.sleep
) -> list[dict[str, Any]]:
    """Every item found for ``keys`` (absent keys are simply not in the result)."""
    found: list[dict[str, Any]] = []
    for i in range(0, len(keys), READ_BATCH):
        request: dict[str, Any] = {"Keys": list(keys[i : i + READ_BATCH])}
        if consistent_read:
            request["ConsistentRead"] = True
        pending: dict[str, Any] = {table: request}
        for attempt in range(ATTEMPTS):
            if attempt:
                sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            reply = client.batch_get_item(RequestItems=pending)
            found += reply.get("Responses", {}).get(table, [])
            pending = reply.get("UnprocessedKeys") or {}
            if not pending:
                break
        else:
            left = pending.get(table, {}).get("Keys", [])
            raise UnprocessedError(f"{len(left)} key(s) still unprocessed in {table} after {ATTEMPTS} attempts", left)
    return found


def put_all(client: Any, table: str, items: Sequence[dict[str, Any]], *, sleep: Sleep = time.sleep) -> int:
    """Put (overwrite) every item; the number written. Keys must not repeat within ``items``."""
    for i in range(0, len(items), WRITE_BATCH):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[i : i + WRITE_BATCH]]}
        for attempt in range(ATTEMPTS):
            if attempt:
                sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
        else:
            left = [request["PutRequest"]["Item"] for request in pending.get(table, [])]
            raise UnprocessedError(f"{len(left)} item(s) still unprocessed in {table} after {ATTEMPTS} attempts", left)
    return len(items)
