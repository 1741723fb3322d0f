"""Nothing announced is lost (issue 28), through the orders function on moto: a bus put that fails makes
the record fail (alone in its batch it fails the invocation: Kinesis redelivers either way), powertools
drops the order's idempotency record with the failure, and the redelivery places nothing twice but
announces the order and its ``stock.out`` cue."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from livebase.commerce.inventory import StockItem
from livebase.replenishment.catalogue import CATALOGUE_KEY
from livebase.stores.inventory import InventoryStore
from tests.support.lambda_events import CONTEXT, sample
from tests.support.moto_market import Market
from tests.support.tables import string_keyed_table


class FlakyBus:
    def __init__(self) -> None:
        self.failures_left = 1
        self.entries: list[Mapping[str, Any]] = []

    def __call__(self, entries: Sequence[Mapping[str, Any]]) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("EventBridge unreachable")
        self.entries.extend(entries)


def _record(order: dict[str, Any], arrival: datetime) -> dict[str, Any]:
    event = sample("kinesis_order_placed")
    kinesis = event["Records"][0]["kinesis"]
    kinesis["data"] = base64.b64encode(json.dumps(order).encode()).decode()
    kinesis["approximateArrivalTimestamp"] = arrival.timestamp()
    return event


def test_a_failed_put_is_redelivered_and_then_announced_once(aws: Any) -> None:
    market = Market("sea")
    region = market.resources.region
    s3 = boto3.client("s3", region_name=region)
    bucket = f"lake-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    catalogue = {"skus": [{"sku": "SKU-LAST-1", "supplier_id": "default-supplier", "list_price": "9.90"}]}
    s3.put_object(Bucket=bucket, Key=CATALOGUE_KEY, Body=json.dumps(catalogue).encode())
    idempotency = string_keyed_table(market.dynamodb, "idempotency", "id")
    resources = replace(market.resources, data_lake_bucket=bucket, idempotency_table=idempotency)
    inventory = InventoryStore(market.dynamodb, resources.inventory_table)
    inventory.create(StockItem("SKU-LAST-1", "WH-SEA-1", "sea", available=2))
    from livebase_local.runner.functions import load_handler

    module = load_handler("orders", resources, container=uuid.uuid4().hex[:8])[0]
    bus = FlakyBus()
    object.__setattr__(module.intake, "put_events", bus)  # the function's bus client, failing once
    now = datetime.now(UTC).replace(microsecond=0)
    order = {
        "event_id": "evt-last-00000001", "schema_version": 1, "type": "order_placed", "market": "sea",
        "room_id": "room-1", "session_id": "sess-1", "ts": (now - timedelta(minutes=1)).isoformat(),
        "viewer_id": "v_00112233445566778899", "order_id": "ord-last-1", "currency": "SGD",
        "lines": [{"sku": "SKU-LAST-1", "quantity": 2, "unit_price": "9.90"}],
    }  # fmt: skip
    event = _record(order, now)
    context = SimpleNamespace(**vars(CONTEXT), get_remaining_time_in_millis=lambda: 60_000)  # powertools idempotency
    with pytest.raises(BatchProcessingError):  # a batch whose every record failed: the invocation fails
        module.lambda_handler(event, context)
    assert module.lambda_handler(event, context) == {"batchItemFailures": []}  # Kinesis redelivers it
    assert module.lambda_handler(event, context) == {"batchItemFailures": []}  # and once more: idempotent
    kinds = [entry["DetailType"] for entry in bus.entries]
    assert kinds == ["OrderPlaced", "stock.out"]  # announced once, after the failure
    item = inventory.get("SKU-LAST-1", "WH-SEA-1")
    assert item is not None and (item.available, item.reserved, item.alert.value) == (0, 2, "out")
