"""EventBridge rule targets: a Lambda invoked at least once per bus event acts once per key.

EventBridge retries a target and Lambda's asynchronous invoke retries the function, so the same
event can arrive more than once. :class:`BusTarget` makes the handler's action idempotent on a key
of the event (the bus event's ``id``, or a business id in ``detail``) with powertools idempotency on
the market's idempotency table: a redelivery gets the first answer back and acts no second time.
A refusal is an answer too (kept, not retried): the action returns it rather than raising.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

Action = TypeVar("Action", bound=Callable[..., dict[str, Any]])
DAY_SECONDS = 24 * 3600


class BusTarget:
    """One bus-target function's idempotency: ``key_path`` (JMESPath into the event), kept ``ttl_seconds``."""

    def __init__(self, session: Any, idempotency_table: str, *, key_path: str, ttl_seconds: int = DAY_SECONDS) -> None:
        self.config = IdempotencyConfig(event_key_jmespath=key_path, expires_after_seconds=ttl_seconds)
        self.persistence = DynamoDBPersistenceLayer(table_name=idempotency_table, boto3_session=session)

    def once(self, action: Action) -> Action:
        """Decorate ``action(event=...)``: once per key. Its records are keyed by the decorated function's
        module and name (powertools' prefix), so a handler's existing records keep matching."""
        decorated: Action = idempotent_function(
            action, data_keyword_argument="event", config=self.config, persistence_store=self.persistence
        )
        return decorated

    def deliver(self, action: Callable[..., dict[str, Any]], event: dict[str, Any], context: Any) -> dict[str, Any]:
        """One invocation: the remaining time from ``context`` bounds the in-progress record, then ``action``."""
        self.config.register_lambda_context(context)
        return action(event=event)
