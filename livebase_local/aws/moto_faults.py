"""Faults moto answers with while the soak schedule says so (:mod:`livebase_local.faults`).

DynamoDB throttling: a share of data-plane calls answer HTTP 400
``ProvisionedThroughputExceededException``, as a table over its capacity does (clients retry it;
what they give up on is a transient failure and is redelivered). EventBridge: a share of
``PutEvents`` calls answer with every entry failed (``ThrottlingException``), the partial-failure
shape PutEvents really has. Installed only when ``LIVEBASE_FAULTS`` names a schedule file.
"""

from __future__ import annotations

import json
import random
from typing import Any

from livebase_local.faults import DYNAMODB_THROTTLE, PUT_EVENTS_FAIL, FaultSwitch

_DATA_PLANE = frozenset({
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
    "TransactWriteItems", "TransactGetItems",
})  # fmt: skip
_THROTTLED = "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"


def install(switch: FaultSwitch, seed: int = 21) -> None:
    from moto.dynamodb.responses import DynamoHandler
    from moto.events.models import EventsBackend

    rng = random.Random(seed)
    call_action = DynamoHandler.call_action
    put_events = EventsBackend.put_events

    def throttled_call(self: DynamoHandler) -> Any:
        share = switch.share(DYNAMODB_THROTTLE)
        if share and rng.random() < share:
            action = str(self.headers.get("X-Amz-Target", "")).rpartition(".")[2]
            if action in _DATA_PLANE:
                body = json.dumps({"__type": _THROTTLED, "message": "Injected: throughput exceeded (soak)"})
                return 400, {"Content-Type": "application/x-amz-json-1.0"}, body
        return call_action(self)

    def failing_put_events(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        share = switch.share(PUT_EVENTS_FAIL)
        if share and rng.random() < share:
            return [{"ErrorCode": "ThrottlingException", "ErrorMessage": "Injected (soak)"} for _ in events]
        return put_events(self, events)

    DynamoHandler.call_action = throttled_call  # type: ignore[method-assign]
    EventsBackend.put_events = failing_put_events  # type: ignore[method-assign]
