"""Fixtures of the unit tests that talk to an in-process moto (no server, nothing shared)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from livebase.stores.orders import OrderStore
from tests.integration.conftest import string_keyed_table

REGION = "ap-southeast-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def store(aws: Any) -> OrderStore:
    return OrderStore(string_keyed_table(aws, "orders", "order_id"), REGION)
