"""Reads and writes of a market's Forecasts table (one item per SKU, ``livebase.stores.forecasts``).

Always with a DynamoDB client of the market's own region. Batches and the retrying of what
DynamoDB leaves unprocessed are :mod:`livebase.stores.batches`; what still cannot finish
raises :class:`StoredForecastError`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.aws import retry_config
from livebase.markets.resources import MarketResources
from livebase.stores.batches import ATTEMPTS, BACKOFF_SECONDS, Sleep, UnprocessedError, get_all, put_all
from livebase.stores.forecasts import StoredForecast, from_item, to_item

__all__ = ["ATTEMPTS", "BACKOFF_SECONDS", "StoredForecastError", "StoredRead", "read_items", "write_items"]


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
    """Put (overwrite) one item per SKU, carrying forward what the item it replaces forecast for
    the days now past (``StoredForecast.past``); the number of items written."""
    latest = {f.sku: f for f in forecasts}  # one put per key: a batch refuses duplicate keys
    try:
        previous = read_items(dynamodb, table, list(latest), sleep=sleep).forecasts if latest else {}
    except (StoredForecastError, ClientError) as error:  # the past is a refinement: today's forecasts land
        print(f"{table}: earlier forecasts unreadable ({error}); items written without their past")
        previous = {}
    latest = {sku: f.carrying_past_of(previous.get(sku)) for sku, f in latest.items()}
    try:
        return put_all(dynamodb, table, [to_item(latest[sku]) for sku in sorted(latest)], sleep=sleep)
    except UnprocessedError as error:
        left = [item["sku"]["S"] for item in error.left]
        raise StoredForecastError(
            f"{len(left)} forecast item(s) still unprocessed in {table} after {ATTEMPTS} attempts "
            f"(SKUs {', '.join(left[:5])}{', ...' if len(left) > 5 else ''})"
        ) from error


def read_items(dynamodb: Any, table: str, skus: Sequence[str], sleep: Sleep = time.sleep) -> StoredRead:
    """The stored forecast of each SKU that has one; a malformed item is reported, not raised."""
    keys = [{"sku": {"S": sku}} for sku in sorted(set(skus))]
    try:
        items = get_all(dynamodb, table, keys, sleep=sleep)
    except UnprocessedError as error:
        raise StoredForecastError(str(error)) from error
    read = StoredRead()
    for item in items:
        try:
            stored = from_item(item)
        except ValueError as decode_error:
            read.unreadable[str(item.get("sku", {}).get("S", "?"))] = str(decode_error)
            continue
        read.forecasts[stored.sku] = stored
    return read


def write_stored(resources: MarketResources, forecasts: Iterable[StoredForecast]) -> int:
    return write_items(client(resources), resources.forecasts_table, forecasts)


def read_stored(resources: MarketResources, skus: Sequence[str]) -> StoredRead:
    return read_items(client(resources), resources.forecasts_table, skus)
