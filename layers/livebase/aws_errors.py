"""Which failures are worth a retry: the line between a batch item failure and a quarantine.

A transient failure (throttling, a service error, a dropped connection, contention that gave
up) is reported to Kinesis, which redelivers the record; anything else about one record is a
fault of that record and it is quarantined, so the rest of the batch goes on.
"""

from __future__ import annotations

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

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
