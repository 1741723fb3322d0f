"""The local AWS makes each conditional DynamoDB write atomic, as DynamoDB does (livebase_local.aws.moto_atomic).

moto checks a condition and then writes, with no lock between. The window is widened here (the
condition takes 50 ms to decide) so two takes of the last unit meet in it every time: without the
patch both pass, with it the second sees the first's write and is refused.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import moto.dynamodb.models as dynamodb_models
import pytest
from moto.dynamodb.models import DynamoDBBackend

from livebase_local.aws.moto_atomic import _WRITES, patch_dynamodb_atomic_writes

REGION = "eu-central-1"


class _SlowCondition:
    """A condition expression that takes a while to decide, as under load."""

    def __init__(self, op: Any) -> None:
        self.op = op

    def expr(self, item: Any) -> bool:
        decided = bool(self.op.expr(item))
        time.sleep(0.05)
        return decided


@pytest.fixture
def slow_conditions(monkeypatch: pytest.MonkeyPatch) -> None:
    make = dynamodb_models.create_condition_expression_parser

    class SlowParser:
        def __init__(self, *args: Any) -> None:
            self.parser = make(*args)

        def parse(self) -> _SlowCondition:
            return _SlowCondition(self.parser.parse())

    monkeypatch.setattr(dynamodb_models, "create_condition_expression_parser", SlowParser)
    for name in _WRITES:  # the patch replaces these class attributes: monkeypatch puts them back
        monkeypatch.setattr(DynamoDBBackend, name, getattr(DynamoDBBackend, name))


def _take_last_unit_twice(client: Any) -> tuple[int, int]:
    """Two threads each take one unit of a SKU holding one; returns (takes that passed, units left)."""
    client.put_item(TableName="stock", Item={"sku": {"S": "A"}, "available": {"N": "1"}})
    passed: list[bool] = []

    def take() -> None:
        try:
            client.update_item(
                TableName="stock",
                Key={"sku": {"S": "A"}},
                UpdateExpression="SET available = available - :one",
                ConditionExpression="available >= :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
            passed.append(True)
        except client.exceptions.ConditionalCheckFailedException:
            passed.append(False)

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    left = int(client.get_item(TableName="stock", Key={"sku": {"S": "A"}})["Item"]["available"]["N"])
    return sum(passed), left


@pytest.mark.usefixtures("slow_conditions")
def test_two_takes_of_the_last_unit_sell_it_once(aws: Any) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName="stock",
        KeySchema=[{"AttributeName": "sku", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sku", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert _take_last_unit_twice(client) == (2, -1), "moto now decides conditions atomically: drop moto_atomic"

    patch_dynamodb_atomic_writes()
    assert _take_last_unit_twice(client) == (1, 0)
