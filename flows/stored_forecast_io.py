"""Reads and writes of a market's Forecasts table (one item per SKU, ``livebase.stored_forecasts``).

Always with a DynamoDB client of the market's own region. Writes go in ``batch_write_item``
calls of 25 items, reads in ``batch_get_item`` calls of 100 keys; what DynamoDB leaves
unprocessed is retried with a short, growing backoff, and a write that still cannot finish
raises :class:`StoredForecastError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3

from livebase.inventory import retry_config
from livebase.resources import MarketResources
from livebase.stored_forecasts import StoredForecast, from_item, to_item

WRITE_BATCH = 25  # batch_write_item's limit
READ_BATCH = 100  # batch_get_item's limit
ATTEMPTS = 6  # calls per batch before giving up on what stays unprocessed
BACKOFF_SECONDS = 0.05  # doubled after each call that left something unprocessed

Sleep = Callable[[float], None]


class StoredForecastError(RuntimeError):
    """Items or keys DynamoDB kept leaving unprocessed."""


@dataclass
class StoredRead:
    """The stored forecasts found per SKU, and the SKUs whose item could not be decoded (with why)."""

    forecasts: dict[str, StoredForecast] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)


def client(resources: MarketResources) -> Any:
    """A DynamoDB client of the market's own region."""
    return boto3.client("dynamodb", region_name=resources.region, config=retry_config())


def write_items(dynamodb: Any, table: str, forecasts: Iterable[StoredForecast], sleep: Sleep = time.sleep) -> int:
    """Put (overwrite) one item per SKU; the number of items written."""
    latest = {f.sku: f for f in forecasts}  # one put per key: a batch refuses duplicate keys
    items = [to_item(latest[sku]) for sku in sorted(latest)]
    for i in range(0, len(items), WRITE_BATCH):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[i : i + WRITE_BATCH]]}
        for attempt in range(ATTEMPTS):
            if attempt:
                sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
        else:
            left = [request["PutRequest"]["Item"]["sku"]["S"] for request in pending.get(table, [])]
            raise StoredForecastError(
                f"{len(left)} forecast item(s) still unprocessed in {table} after {ATTEMPTS} attempts "
                f"(SKUs {', '.join(left[:5])}{', ...' if len(left) > 5 else ''})"
            )
    return len(items)


def read_items(dynamodb: Any, table: str, skus: Sequence[str], sleep: Sleep = time.sleep) -> StoredRead:
    """The stored forecast of each SKU that has one; a malformed item is reported, not raised."""
    read = StoredRead()
    wanted = sorted(set(skus))
    for i in range(0, len(wanted), READ_BATCH):
        pending: dict[str, Any] = {table: {"Keys": [{"sku": {"S": sku}} for sku in wanted[i : i + READ_BATCH]]}}
        for attempt in range(ATTEMPTS):
            if attempt:
                sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            response = dynamodb.batch_get_item(RequestItems=pending)
            for item in response.get("Responses", {}).get(table, []):
                try:
                    stored = from_item(item)
                except ValueError as error:
                    read.unreadable[str(item.get("sku", {}).get("S", "?"))] = str(error)
                    continue
                read.forecasts[stored.sku] = stored
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
        else:
            left = len(pending.get(table, {}).get("Keys", []))
            raise StoredForecastError(f"{left} key(s) still unprocessed in {table} after {ATTEMPTS} attempts")
    return read


def write_stored(resources: MarketResources, forecasts: Iterable[StoredForecast]) -> int:
    return write_items(client(resources), resources.forecasts_table, forecasts)


def read_stored(resources: MarketResources, skus: Sequence[str]) -> StoredRead:
    return read_items(client(resources), resources.forecasts_table, skus)
