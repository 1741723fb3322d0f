"""Deliveries moto 5.2.5 does not make, made the way AWS makes them (applied in the moto process).

moto delivers EventBridge rule targets to SQS, log groups, archives and other buses only; for an
SNS or a Lambda target its ``PutEvents`` raises (``NotImplementedError``, or a Docker invoke these
machines cannot make), so a producer's put would fail. :func:`patch_events_targets` wraps moto's
one delivery step, ``Rule.send_to_targets``: for each target of a kind it lacks, the event, after
the target's input transformer (:func:`_delivered_event`), goes where AWS would put it; moto
delivers the rest as before.

- SNS topic (the room-alert rule → the ops topic): published to the topic, and moto delivers it
  to the topic's subscriptions (SQS among them), as SNS does.
- Lambda function (the room-cue rule): sent to the function's local invoke queue
  (:func:`invoke_queue_name`, created on first use), which the local runner polls to invoke the
  handler in-process (``livebase_local.runner.bus_targets``) with the target's retry policy and
  dead-letter queue, as EventBridge's asynchronous invoke would.
"""

from __future__ import annotations

import copy
import json
from typing import Any


def _is_sns(target: dict[str, Any]) -> bool:
    return str(target.get("Arn", "")).startswith("arn:aws:sns:")


INVOKE_QUEUE_PREFIX = "livebase-local-invoke-"


def invoke_queue_name(function_name: str) -> str:
    """The local queue standing in for a function's asynchronous invocations (not in any template)."""
    return f"{INVOKE_QUEUE_PREFIX}{function_name}"[:80]


def _is_lambda(target: dict[str, Any]) -> bool:
    return str(target.get("Arn", "")).startswith("arn:aws:lambda:")


def _delivered_event(target: dict[str, Any], original_event: Any, transform_input: bool) -> Any:
    """The event as the target gets it: the input transformer applied, ``time`` as an ISO string."""
    from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
    from moto.events.utils import EventTemplateParser

    transformer: dict[str, Any] = target.get("InputTransformer", {}) if transform_input else {}
    event = EventTemplateParser.parse(
        input_template=transformer.get("InputTemplate"),  # type: ignore[arg-type]  # None: the whole event
        input_paths_map=transformer.get("InputPathsMap", {}),
        event=original_event,
    )
    if isinstance(event, dict) and isinstance(event.get("time"), int | float):
        event["time"] = iso_8601_datetime_without_milliseconds(utcfromtimestamp(event["time"]))  # as SQS gets it
    return event


def _publish_to_topic(target: dict[str, Any], message: str) -> None:
    from moto.sns.models import sns_backends
    from moto.utilities.arns import parse_arn

    arn = parse_arn(target["Arn"])
    sns_backends[arn.account][arn.region].publish(message=message, arn=target["Arn"])


def _send_to_invoke_queue(target: dict[str, Any], message: str) -> None:
    from moto.sqs.models import sqs_backends
    from moto.utilities.arns import parse_arn

    arn = parse_arn(target["Arn"])  # resource id: "<name>" or "<name>:<qualifier>"
    backend = sqs_backends[arn.account][arn.region]
    name = invoke_queue_name(arn.resource_id.split(":")[0])
    if name not in backend.queues:
        backend.create_queue(name)
    backend.send_message(name, message)


_DELIVERIES = ((_is_sns, _publish_to_topic), (_is_lambda, _send_to_invoke_queue))


def _delivery(target: dict[str, Any]) -> Any:
    return next((deliver for applies, deliver in _DELIVERIES if applies(target)), None)


def patch_events_targets() -> None:
    """Deliver rule targets moto lacks (SNS, Lambda) ourselves; moto keeps delivering the rest."""
    from moto.events.models import Rule

    original = Rule.send_to_targets

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        ours = [(target, _delivery(target)) for target in self.targets]
        if not any(deliver for _, deliver in ours):
            original(self, original_event, transform_input)
            return
        if self.event_pattern.matches_event(original_event):
            for target, deliver in ours:
                if deliver is not None:
                    event = _delivered_event(target, original_event, transform_input)
                    deliver(target, event if isinstance(event, str) else json.dumps(event))
        others = copy.copy(self)  # the same rule with the other targets, for moto's own deliveries
        others.targets = [target for target, deliver in ours if deliver is None]
        original(others, original_event, transform_input)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
