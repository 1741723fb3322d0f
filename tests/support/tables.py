"""DynamoDB tables for tests: on-demand, string keys, a unique name (moto may be shared)."""

from __future__ import annotations

import uuid
from typing import Any

REGION = "ap-southeast-1"  # where unit tests' stores live unless a test names another


def string_keyed_table(dynamodb: Any, prefix: str, hash_key: str, range_key: str | None = None) -> str:
    """An on-demand table with string keys and a unique name (the session's moto is shared); its name."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    keys = [k for k in (hash_key, range_key) if k]
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in zip(keys, ("HASH", "RANGE"), strict=False)],
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        BillingMode="PAY_PER_REQUEST",
    )
    return name
