"""A market's Consent table: per viewer and purpose the record that counts, and every change kept.

Keys ``viewer_key``, ``purpose``. The item under ``purpose`` = ``marketing`` (etc.) is the one that
counts: its put is conditional on the stamp held, so the latest record wins even when records
arrive out of order. Every change is also kept as its own item under ``<purpose>@<stamp>``
(``HISTORY``), with its source and time, so what the viewer said, where and when, can be shown;
a redelivered change rewrites the same item. ``erase`` deletes both kinds (one query per viewer).
boto3 rather than pynamodb: plain attributes and one conditional put. Each item carries
``expires_at`` (the table's TTL attribute) from the market's retention. Always a client of the
market's own region: consent is personal data and stays there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.aws import retry_config
from livebase.markets.resources import MarketResources
from livebase.privacy.consent import ConsentRecord, Purpose, Source, parse_purpose, parse_source

DEFAULT_RETENTION_DAYS = 730  # when the market config names none (market config: retention.consent_days)
ATTRIBUTES = ("viewer_key", "purpose", "granted", "recorded_at", "source", "expires_at")
HISTORY = "@"  # purpose@stamp: one kept change (never read as the record that counts)


class ConsentStore:
    """Every read and write of one market's Consent table (``client``: a DynamoDB client)."""

    def __init__(self, client: Any, table_name: str, *, retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self.client = client
        self.table = table_name
        self.retention_days = retention_days

    @classmethod
    def for_market(cls, resources: MarketResources, *, retention_days: int = DEFAULT_RETENTION_DAYS) -> ConsentStore:
        """The store of the market's table, with a client of the market's own region."""
        client = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
        return cls(client, resources.consent_table, retention_days=retention_days)

    def record(
        self, viewer_key: str, purpose: Purpose, granted: bool, at: datetime, *, source: Source = Source.OPS
    ) -> bool:
        """Keep the viewer's statement (and the change, with its source); False when a later one is
        already held (the change is kept, the record that counts is not changed)."""
        entry = ConsentRecord(viewer_key, purpose, granted, at, source)
        item = {
            "viewer_key": {"S": viewer_key},
            "purpose": {"S": purpose.value},
            "granted": {"BOOL": granted},
            "recorded_at": {"S": entry.stamp},
            "source": {"S": source.value},
            "expires_at": {"N": str(entry.expires_at(self.retention_days))},
        }
        self.client.put_item(
            TableName=self.table, Item=item | {"purpose": {"S": f"{purpose.value}{HISTORY}{entry.stamp}"}}
        )
        try:
            self.client.put_item(
                TableName=self.table,
                Item=item,
                ConditionExpression="attribute_not_exists(viewer_key) OR recorded_at <= :at",
                ExpressionAttributeValues={":at": {"S": entry.stamp}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def granted(self, viewer_key: str, purpose: Purpose) -> bool:
        """Whether the viewer's latest record grants ``purpose`` (no record: not granted)."""
        raw = self.client.get_item(
            TableName=self.table,
            Key={"viewer_key": {"S": viewer_key}, "purpose": {"S": purpose.value}},
            ConsistentRead=True,
        )
        return bool(raw.get("Item", {}).get("granted", {}).get("BOOL", False))

    def granted_keys(self, purpose: Purpose) -> set[str]:
        """Every viewer granting ``purpose`` now: one scan, for a flow run to check against."""
        return {
            item["viewer_key"]["S"]
            for item in self._scan(
                FilterExpression="purpose = :p AND granted = :yes",
                ExpressionAttributeValues={":p": {"S": purpose.value}, ":yes": {"BOOL": True}},
                ProjectionExpression="viewer_key",
            )
        }

    def records_of(self, viewer_key: str) -> list[ConsentRecord]:
        """The records that count for one viewer, one per purpose (erasure receipts, subject access)."""
        return [_record(item) for item in self._query(viewer_key) if HISTORY not in item["purpose"]["S"]]

    def history_of(self, viewer_key: str) -> list[ConsentRecord]:
        """Every change the viewer made, oldest first, each with its source and time."""
        kept = [_record(item) for item in self._query(viewer_key) if HISTORY in item["purpose"]["S"]]
        return sorted(kept, key=lambda record: (record.stamp, record.purpose.value))

    def erase(self, viewer_key: str) -> int:
        """Delete every record of the viewer; the number deleted."""
        keys = [{"viewer_key": item["viewer_key"], "purpose": item["purpose"]} for item in self._query(viewer_key)]
        for key in keys:  # one per purpose and one per change kept
            self.client.delete_item(TableName=self.table, Key=key)
        return len(keys)

    def _query(self, viewer_key: str) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table,
            KeyConditionExpression="viewer_key = :v",
            ExpressionAttributeValues={":v": {"S": viewer_key}},
            ConsistentRead=True,
        ):
            yield from page.get("Items", [])

    def _scan(self, **request: Any) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("scan")
        for page in paginator.paginate(TableName=self.table, **request):
            yield from page.get("Items", [])


def _record(item: dict[str, Any]) -> ConsentRecord:
    return ConsentRecord(
        viewer_key=item["viewer_key"]["S"],
        purpose=parse_purpose(item["purpose"]["S"].split(HISTORY, 1)[0]),
        granted=item["granted"]["BOOL"],
        at=datetime.fromisoformat(item["recorded_at"]["S"]),
        source=parse_source(item["source"]["S"]) if "source" in item else Source.OPS,
    )
