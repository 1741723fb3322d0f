"""A market's Consent table: one item per viewer and purpose (keys ``viewer_key``, ``purpose``).

boto3 rather than pynamodb: three plain attributes and one conditional put. The put is
conditional on the stamp held, so the latest record wins even when records arrive out of order.
Each item carries ``expires_at`` (the table's TTL attribute) from the market's retention. Always
a client of the market's own region: consent is personal data and stays there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.aws import retry_config
from livebase.markets.resources import MarketResources
from livebase.privacy.consent import ConsentRecord, Purpose, parse_purpose

DEFAULT_RETENTION_DAYS = 730  # when the market config names none (market config: retention.consent_days)
ATTRIBUTES = ("viewer_key", "purpose", "granted", "recorded_at", "expires_at")


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

    def record(self, viewer_key: str, purpose: Purpose, granted: bool, at: datetime) -> bool:
        """Keep the viewer's statement; False when a later one is already held (nothing changed)."""
        entry = ConsentRecord(viewer_key, purpose, granted, at)
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "viewer_key": {"S": viewer_key},
                    "purpose": {"S": purpose.value},
                    "granted": {"BOOL": granted},
                    "recorded_at": {"S": entry.stamp},
                    "expires_at": {"N": str(entry.expires_at(self.retention_days))},
                },
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
        """What the table holds about one viewer (for erasure receipts and subject access)."""
        return [
            ConsentRecord(
                viewer_key=item["viewer_key"]["S"],
                purpose=parse_purpose(item["purpose"]["S"]),
                granted=item["granted"]["BOOL"],
                at=datetime.fromisoformat(item["recorded_at"]["S"]),
            )
            for item in self._query(viewer_key)
        ]

    def erase(self, viewer_key: str) -> int:
        """Delete every record of the viewer; the number deleted."""
        keys = [{"viewer_key": item["viewer_key"], "purpose": item["purpose"]} for item in self._query(viewer_key)]
        for key in keys:  # at most one per purpose
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
