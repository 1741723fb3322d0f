"""Fixtures of the unit tests that talk to an in-process moto (no server, nothing shared)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from livebase.stores.orders import OrderStore
from tests.support.tables import REGION, string_keyed_table


@pytest.fixture
def aws(aws: None) -> Any:
    """tests/conftest.py's in-process moto, as the DynamoDB client most unit tests start from."""
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def store(aws: Any) -> OrderStore:
    return OrderStore(string_keyed_table(aws, "orders", "order_id"), REGION)
