"""Records that fail validation: where they go and what reason travels with them.

A record that can never parse is not retried (retries would only block the shard): it is
quarantined in the market's own bucket and announced on the DLQ with the exact reason, and a
`replay` re-drives it after a fix. Reasons never echo input values, so they are safe to log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

QUARANTINE_PREFIX = "quarantine"


@dataclass(frozen=True)
class QuarantinedRecord:
    sequence_number: str
    partition_key: str
    shard_id: str
    reason: str
    data_b64: str  # the record exactly as received, for replay

    def to_json(self) -> dict[str, Any]:
        return {
            "sequenceNumber": self.sequence_number,
            "partitionKey": self.partition_key,
            "shardId": self.shard_id,
            "reason": self.reason,
            "data": self.data_b64,
        }


def describe_error(error: Exception) -> str:
    """One line per fault, field path and message, without the offending value."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(record)'}: {e['msg']}"
            for e in error.errors(include_input=False, include_url=False)
        )
    if isinstance(error, UnicodeDecodeError):
        return "record data is not UTF-8"
    return f"{type(error).__name__}: {error}"


def quarantine_key(market: str, shard_id: str, first_sequence: str, now: datetime | None = None) -> str:
    """S3 key of one batch's quarantined records: stable per batch, so a redelivery overwrites."""
    day = (now or datetime.now(UTC)).strftime("%Y/%m/%d")
    return f"{QUARANTINE_PREFIX}/{market}/{day}/{shard_id}-{first_sequence}.jsonl"


def quarantine_body(records: list[QuarantinedRecord]) -> bytes:
    return "".join(json.dumps(r.to_json()) + "\n" for r in records).encode("utf-8")


def dlq_message(market: str, record: QuarantinedRecord, object_key: str) -> dict[str, Any]:
    return {
        "condition": "ValidationFailed",
        "market": market,
        "reason": record.reason,
        "quarantineObject": object_key,
        "record": record.to_json(),
    }
