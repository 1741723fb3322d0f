"""Deliveries moto 5.2.5 does not make, made the way AWS makes them (applied in the moto process).

:func:`patch_events_sns_targets`: an EventBridge rule whose target is an SNS topic. moto delivers
rule targets to SQS, log groups, archives and other buses only; for an SNS target its
``PutEvents`` raises ``NotImplementedError``, so a room alert put on a market bus (whose
room-alert rule targets the ops topic) would fail the producer's call. With the patch the
event, after the target's input transformer, is published to the topic, and moto delivers it
to the topic's subscriptions (SQS among them), as SNS does.

:func:`patch_events_lambda_targets`: an EventBridge rule whose target is a Lambda function (the
room-cue rule). moto would invoke it through Docker, which these machines lack (its ``PutEvents``
raises for such a target). With the patch the event, after the target's input transformer, is
sent to the function's local invoke queue (:func:`invoke_queue_name`, created on first use), which
the local runner polls to invoke the handler in-process (``livebase_local.runner.bus_targets``)
with the target's retry policy and dead-letter queue, as EventBridge's asynchronous invoke would.
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


def patch_events_lambda_targets() -> None:
    from moto.events.models import Rule
    from moto.sqs.models import sqs_backends
    from moto.utilities.arns import parse_arn

    original = Rule.send_to_targets

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        targets = list(self.targets)
        lambda_targets = [t for t in targets if _is_lambda(t)]
        if not lambda_targets:
            original(self, original_event, transform_input)
            return
        if self.event_pattern.matches_event(original_event):
            for target in lambda_targets:
                event = _delivered_event(target, original_event, transform_input)
                arn = parse_arn(target["Arn"])  # resource id: "<name>" or "<name>:<qualifier>"
                backend = sqs_backends[arn.account][arn.region]
                name = invoke_queue_name(arn.resource_id.split(":")[0])
                if name not in backend.queues:
                    backend.create_queue(name)
                backend.send_message(name, event if isinstance(event, str) else json.dumps(event))
        others = copy.copy(self)
        others.targets = [t for t in targets if not _is_lambda(t)]
        original(others, original_event, transform_input)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


def patch_events_sns_targets() -> None:
    from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
    from moto.events.models import Rule
    from moto.events.utils import EventTemplateParser
    from moto.sns.models import sns_backends
    from moto.utilities.arns import parse_arn

    original = Rule.send_to_targets

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        targets = list(self.targets)
        sns_targets = [t for t in targets if _is_sns(t)]
        if not sns_targets:
            original(self, original_event, transform_input)
            return
        if self.event_pattern.matches_event(original_event):
            for target in sns_targets:
                transformer: dict[str, Any] = target.get("InputTransformer", {}) if transform_input else {}
                event = EventTemplateParser.parse(
                    input_template=transformer.get("InputTemplate"),  # type: ignore[arg-type]  # None: the whole event
                    input_paths_map=transformer.get("InputPathsMap", {}),
                    event=original_event,
                )
                if isinstance(event, dict) and isinstance(event.get("time"), int | float):
                    event["time"] = iso_8601_datetime_without_milliseconds(
                        utcfromtimestamp(event["time"])
                    )  # as SQS gets it
                arn = parse_arn(target["Arn"])
                message = event if isinstance(event, str) else json.dumps(event)
                sns_backends[arn.account][arn.region].publish(message=message, arn=target["Arn"])
        others = copy.copy(self)  # the same rule with the other targets, for moto's own deliveries
        others.targets = [t for t in targets if not _is_sns(t)]
        original(others, original_event, transform_input)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
