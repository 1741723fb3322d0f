"""Shared AWS plumbing: client retries, DynamoDB attribute codecs, bus puts, transient failures.

Which failures are worth a retry is the line between a batch item failure and a quarantine:
a transient failure (throttling, a service error, a dropped connection, contention that gave
up) is reported to Kinesis, which redelivers the record; anything else about one record is a
fault of that record and it is quarantined, so the rest of the batch goes on.

Bus puts: all entries, or an error. An error fails the record (or batch) that produced the
entries, so Kinesis redelivers it; senders keep their entries idempotent (alert marks,
idempotent order handling) for that. A bus fans out beyond the market (ops topic, suppliers,
Prefect), so every put is screened by the residency guard first: an entry carrying personal data
is refused (``ResidencyViolation``, not transient: the producing record is quarantined) and kept
by ``keep`` in the market's own quarantine; no entry of that put is sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from livebase.markets.config import Market
from livebase.markets.residency import ResidencyViolation
from livebase.privacy.guard import BUS_TARGETS, Keeper, audience, refuse_any

TRANSIENT_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "ThrottledException",
    "RequestLimitExceeded", "TooManyRequestsException", "LimitExceededException", "RequestThrottled",
    "SlowDown", "InternalServerError", "InternalFailure", "InternalError", "ServiceUnavailable",
    "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException", "TransactionConflictException",
    "TransactionInProgressException", "KMSThrottlingException",
})  # fmt: skip


class TransientError(RuntimeError):
    """Raised by livebase's own adapters for a failure that a later delivery may not meet."""


def is_transient(error: BaseException) -> bool:
    if isinstance(error, TransientError | ConnectionError | HTTPClientError | TimeoutError):
        return True
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if details.get("Code") in TRANSIENT_CODES or status >= 500:
            return True
        if details.get("Code") == "TransactionCanceledException":  # conflicts and throttles only
            reasons = {r.get("Code") for r in error.response.get("CancellationReasons", [])}
            return bool(reasons & {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
    # powertools idempotency: another delivery holds the record, or its table could not be reached
    return type(error).__name__ in ("IdempotencyAlreadyInProgressError", "IdempotencyPersistenceLayerError")


def retry_config(total_attempts: int = 10, mode: str = "standard") -> Config:
    """Client config that rides out DynamoDB throttling (ProvisionedThroughputExceeded & co.).

    ``total_attempts`` counts the first try (botocore's ``max_attempts`` would count retries only).
    ``standard`` backs off exponentially with jitter (capped at 20 s); ``adaptive`` also slows
    the client itself down, which suits a single busy writer such as a batch handler.
    """
    return Config(retries={"total_max_attempts": total_attempts, "mode": mode})  # type: ignore[typeddict-item]


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_attributes(values: dict[str, Any]) -> dict[str, Any]:
    """Plain Python values -> DynamoDB attribute values (ints stay exact)."""
    return {key: _serializer.serialize(value) for key, value in values.items() if value is not None}


def from_attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def conditional_write(write: Callable[..., Any], **request: Any) -> bool:
    """``write(**request)``, a DynamoDB write with a condition: True when written, False when the condition did
    not hold (the item exists, or changed since it was read: the caller re-reads or keeps what is there); any
    other failure is raised."""
    try:
        write(**request)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return False
    return True


S3_NOT_FOUND = ("NoSuchKey", "404")  # GetObject's codes for no object (404: no ListBucket on the bucket)


def read_json(s3: Any, bucket: str, key: str) -> Any:
    """The JSON document at ``key``, or None when there is no object (for the stores that read their own
    documents back, a missing one is an answer, not an error); any other failure is raised."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in S3_NOT_FOUND:
            return None
        raise
    return json.loads(body)


PUT_EVENTS_LIMIT = 10  # entries per PutEvents call


class BusPutFailed(TransientError):
    """EventBridge refused entries (throttled, or an internal failure): the record is redelivered."""


def put_all(
    client: Any,
    entries: Sequence[Mapping[str, Any]],
    *,
    source: Market | None = None,
    keep: Keeper | None = None,
) -> None:
    """PutEvents in calls of ten; raises if EventBridge refuses any entry (with the error codes), or
    the residency guard any entry (``source``: the market, for the error; ``keep``: where refused
    entries are kept, ``livebase.privacy.refused``)."""
    guard_bus_entries(entries, source=source, keep=keep)
    for start in range(0, len(entries), PUT_EVENTS_LIMIT):
        response = client.put_events(Entries=list(entries[start : start + PUT_EVENTS_LIMIT]))
        if response.get("FailedEntryCount"):
            codes = {e.get("ErrorCode") for e in response["Entries"] if e.get("ErrorCode")}
            raise BusPutFailed(f"EventBridge refused {response['FailedEntryCount']} entries: {codes}")


def guard_bus_entries(
    entries: Sequence[Mapping[str, Any]], *, source: Market | None = None, keep: Keeper | None = None
) -> None:
    """The residency guard on bus entries (the one guard, ``livebase.privacy.guard``): raises
    ``ResidencyViolation`` before any is put when one carries personal data."""
    origin = source or audience("unnamed", "the sending market")
    refuse_any(origin, BUS_TARGETS, entries, keep, what="bus entry")


def put_allowed(
    client: Any, entries: Sequence[Mapping[str, Any]], *, keep: Keeper, source: Market | None = None
) -> list[str]:
    """``put_all`` of the entries the residency guard passes; each refused one is kept (``keep``) and
    its refusal returned (for the log), not raised: for stream consumers whose puts follow a whole
    batch (room alerts, device signals), where a raise would redeliver the batch for ever."""
    passed, refusals = [], []
    for entry in entries:
        try:
            guard_bus_entries([entry], source=source, keep=keep)
        except ResidencyViolation as refused:
            refusals.append(str(refused))
        else:
            passed.append(entry)
    put_all(client, passed, source=source, keep=keep)
    return refusals
