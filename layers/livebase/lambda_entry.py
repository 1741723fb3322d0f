"""What every Lambda handler wears, in one place: the powertools decorators and the market dimension.

The order is the cookbook's (context → metrics → tracer, outermost first): the logger sees the
Lambda context (and the API's correlation id), metrics are flushed once per invocation with the
``market`` dimension on every one of them, and the tracer never captures a response (batches are
large, API bodies may be personal). :func:`json_response` is the REST handlers' JSON answer;
:func:`market_runtime` the cold start every market handler makes.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response, content_types

from livebase.aws import retry_config
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources

Event = TypeVar("Event")
Result = TypeVar("Result")
Handler = Callable[[Event, Any], Result]


def lambda_entry(
    logger: Any, metrics: Any, market: str, *, tracer: Tracer | None = None, correlation_id_path: str | None = None
) -> Callable[[Handler[Event, Result]], Handler[Event, Result]]:
    """Decorate a ``lambda_handler(event, context)`` with ``logger``, ``metrics`` (dimension ``market``)
    and a tracer (powertools ``Logger``, ``Metrics``, ``Tracer``; ``tracer`` where the handler traces
    more than the invocation, powertools' ``Tracer`` shares its provider between instances)."""
    tracing = tracer or Tracer()

    def decorate(handler: Handler[Event, Result]) -> Handler[Event, Result]:
        @functools.wraps(handler)
        def in_market(event: Event, context: Any) -> Result:
            metrics.add_dimension(name="market", value=market)
            return handler(event, context)

        traced = tracing.capture_lambda_handler(in_market, capture_response=False)
        measured = metrics.log_metrics(traced)
        wrapped: Handler[Event, Result] = logger.inject_lambda_context(
            measured, correlation_id_path=correlation_id_path
        )
        return wrapped

    return decorate


def json_response(status_code: int, body: Any, headers: Mapping[str, str] | None = None) -> Response[Any]:
    """A REST answer with a JSON body (the resolver serialises ``body``)."""
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=headers,
    )


@dataclass(frozen=True)
class MarketRuntime:
    """What a market's handler reads once at cold start: its resources, its market config, a session."""

    resources: MarketResources
    market: Market
    session: boto3.Session

    def dynamodb(self) -> Any:
        """A DynamoDB client with the project's retry mode (throttling left to botocore)."""
        return self.session.client("dynamodb", config=retry_config())


def market_runtime() -> MarketRuntime:
    """The stack's environment, read once: ``MarketResources`` and ``MARKET_CONFIG``, a session in its region."""
    resources = MarketResources.from_environment()
    market = Market.model_validate_json(os.environ["MARKET_CONFIG"])
    return MarketRuntime(resources, market, boto3.Session(region_name=resources.region))
