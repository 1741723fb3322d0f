"""EventBridge rule targets: a Lambda invoked at least once per bus event acts once per key.

EventBridge retries a target and Lambda's asynchronous invoke retries the function, so the same
event can arrive more than once. :class:`BusTarget` makes the handler's action idempotent on a key
of the event (the bus event's ``id``, or a business id in ``detail``) with powertools idempotency on
the market's idempotency table: a redelivery gets the first answer back and acts no second time.
An event the parser refuses is answered too (``{answer: False, "reason": ...}``, logged and counted,
kept, not retried): its reason names a field, never a value.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

T = TypeVar("T")
Answer = dict[str, Any]
DAY_SECONDS = 24 * 3600


class BusTarget:
    """One bus-target function's idempotency: ``key_path`` (JMESPath into the event), kept ``ttl_seconds``."""

    def __init__(
        self, session: Any, idempotency_table: str, *, key_path: str, logger: Any, metrics: Any,
        ttl_seconds: int = DAY_SECONDS,
    ) -> None:  # fmt: skip
        self.config = IdempotencyConfig(event_key_jmespath=key_path, expires_after_seconds=ttl_seconds)
        self.persistence = DynamoDBPersistenceLayer(table_name=idempotency_table, boto3_session=session)
        self.logger, self.metrics = logger, metrics

    def once(
        self, parse: Callable[[Mapping[str, Any]], T], refused: type[Exception], *, answer: str, refused_metric: str
    ) -> Callable[[Callable[[T], Answer]], Callable[..., Answer]]:
        """Decorate ``act(parsed)`` into ``action(event=...)``: ``parse(event)``, then ``act``, once per key.

        The records are keyed as powertools keys a function of the handler module (the function's
        name, then ``act``'s module and name), so records written before this wrapper keep matching.
        """

        def decorate(act: Callable[[T], Answer]) -> Callable[..., Answer]:
            def action(event: dict[str, Any]) -> Answer:
                try:
                    parsed = parse(event)
                except refused as refusal:  # the reason names a field, never a value; not retried
                    self.logger.warning("bus event refused", reason=str(refusal))
                    self.metrics.add_metric(name=refused_metric, unit=MetricUnit.Count, value=1)
                    return {answer: False, "reason": str(refusal)}
                return act(parsed)

            function = os.getenv("AWS_LAMBDA_FUNCTION_NAME", "test-func")
            prefix = f"{function}.{act.__module__}.{act.__qualname__}"
            keyed: Callable[..., Answer] = idempotent_function(
                action, data_keyword_argument="event", config=self.config, persistence_store=self.persistence,
                key_prefix=prefix,
            )  # fmt: skip
            return keyed

        return decorate

    def deliver(self, action: Callable[..., Answer], event: dict[str, Any], context: Any) -> Answer:
        """One invocation: the remaining time from ``context`` bounds the in-progress record, then ``action``."""
        self.config.register_lambda_context(context)
        return action(event=event)
