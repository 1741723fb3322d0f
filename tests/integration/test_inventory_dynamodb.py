"""Inventory against a real DynamoDB wire protocol (moto in server mode), under concurrency and faults.

moto's in-process ``mock_aws`` patches botocore and is not a fair stand-in for racing clients;
the threaded moto server takes real HTTP requests from real boto3 clients, one per buyer.

One adjustment: moto 5.2.5 runs ``TransactWriteItems`` by deep-copying the table, applying items
one by one and, on a failed condition, putting the copy back, with no lock. Concurrent requests
then resurrect each other's rolled-back writes (seen here: 4 phantom reservation records among
50 racing buyers). DynamoDB itself makes every request atomic and isolated, so the fixture gives
moto that guarantee with one lock around each request. The clients still race freely between
their reads and their conditional writes, which is what these tests are about.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from livebase.aws import retry_config
from livebase.commerce.inventory import (
    STOCK_LOW,
    STOCK_OUT,
    LineRequest,
    Outcome,
    StockItem,
    StockKey,
)
from livebase.stores.inventory import InventoryStore
from livebase_local.aws.moto_server import free_port
from tests.support.tables import string_keyed_table

REGION = "ap-southeast-1"
WAREHOUSE = "sea-sin-1"


class _AtomicRequests:
    """WSGI wrapper: one request at a time inside moto, as DynamoDB isolates each request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        with self.lock:
            return list(self.app(environ, start_response))


class _AtomicMotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        app = _AtomicRequests(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = free_port()  # below the ephemeral range, as every local AWS port
    server = _AtomicMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


_SESSION = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def _client(endpoint: str, total_attempts: int = 10) -> Any:
    """A fresh client (own connection pool); made in the main thread, as sessions are not thread-safe."""
    return _SESSION.client("dynamodb", endpoint_url=endpoint, config=retry_config(total_attempts))


def _stores(endpoint: str, table: str, count: int) -> list[InventoryStore]:
    return [InventoryStore(_client(endpoint), table) for _ in range(count)]


@pytest.fixture
def table(endpoint: str) -> str:
    return string_keyed_table(_client(endpoint), "inventory", "sku", "warehouse")


def _race(count: int, work: Any) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; return results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # surfaced by the assertions below
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _reservation_records(client: Any, table: str) -> Counter[str]:
    items = client.scan(TableName=table, ConsistentRead=True)["Items"]
    return Counter(i["status"]["S"] for i in items if i["sku"]["S"].startswith("RES#"))


def test_moto_honours_conditions_inside_transact_write_items(endpoint: str, table: str) -> None:
    client = _client(endpoint)
    InventoryStore(client, table).create(StockItem("SKU-COND", WAREHOUSE, "sea", available=1))
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"sku": {"S": "X-1"}, "warehouse": {"S": "W"}}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": StockKey("SKU-COND", WAREHOUSE).key(),
                        "UpdateExpression": "SET available = available - :q",
                        "ConditionExpression": "available >= :q",
                        "ExpressionAttributeValues": {":q": {"N": "2"}},
                    }
                },
            ]
        )
    reasons = [r["Code"] for r in caught.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert "Item" not in client.get_item(TableName=table, Key={"sku": {"S": "X-1"}, "warehouse": {"S": "W"}})


def test_fifty_buyers_for_the_last_ten_units_sell_exactly_ten(endpoint: str, table: str) -> None:
    InventoryStore(_client(endpoint), table).create(StockItem("SKU-LAST10", WAREHOUSE, "sea", available=10))

    stores = _stores(endpoint, table, 50)  # each buyer its own client and connection

    def buy(i: int) -> Outcome:
        return stores[i].reserve(f"order-{i:03d}", f"evt-{i:05d}", [LineRequest("SKU-LAST10", WAREHOUSE, 1)]).outcome

    outcomes = _race(50, buy)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Counter(outcomes) == {Outcome.APPLIED: 10, Outcome.REJECTED: 40}
    client = _client(endpoint)
    item = InventoryStore(client, table).get("SKU-LAST10", WAREHOUSE)
    assert item is not None and (item.available, item.reserved) == (0, 10)
    assert _reservation_records(client, table) == {"reserved": 10, "rejected": 40}


def test_the_same_order_delivered_concurrently_reserves_once(endpoint: str, table: str) -> None:
    InventoryStore(_client(endpoint), table).create(StockItem("SKU-DUP", WAREHOUSE, "sea", available=50))

    stores = _stores(endpoint, table, 8)

    def deliver(i: int) -> Outcome:
        return stores[i].reserve("order-dup-1", f"evt-dup-{i:03d}", [LineRequest("SKU-DUP", WAREHOUSE, 3)]).outcome

    outcomes = _race(8, deliver)
    assert Counter(outcomes) == {Outcome.APPLIED: 1, Outcome.DUPLICATE: 7}
    item = InventoryStore(_client(endpoint), table).get("SKU-DUP", WAREHOUSE)
    assert item is not None and (item.available, item.reserved) == (47, 3)


def test_concurrent_orders_cross_each_mark_exactly_once(endpoint: str, table: str) -> None:
    InventoryStore(_client(endpoint), table).create(StockItem("SKU-CUE", WAREHOUSE, "sea", available=20, low_mark=10))

    stores = _stores(endpoint, table, 24)

    def buy_and_settle(i: int) -> list[str]:
        store = stores[i]
        result = store.reserve(f"order-cue-{i:02d}", f"evt-cue-{i:03d}", [LineRequest("SKU-CUE", WAREHOUSE, 1)])
        signals = [store.settle_alert(key, 100, "room-1") for key in result.touched]
        return [s.kind for s in signals if s is not None]

    kinds = Counter(kind for result in _race(24, buy_and_settle) for kind in result)
    # 20 of 24 buyers get a unit. Sold out is announced once; "low" at most once, and not at all
    # when every reservation landed before the first settle read the level (no "only 3 left" then).
    assert kinds[STOCK_OUT] == 1 and kinds[STOCK_LOW] <= 1 and set(kinds) <= {STOCK_LOW, STOCK_OUT}
    item = InventoryStore(_client(endpoint), table).get("SKU-CUE", WAREHOUSE)
    assert item is not None and (item.available, item.reserved, item.alert.value) == (0, 20, "out")


class _Throttle:
    """Answers the first ``times`` DynamoDB requests with HTTP 400 throughput-exceeded, like AWS does."""

    body = (
        b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
        b'"message":"The level of configured provisioned throughput for the table was exceeded."}'
    )

    def __init__(self, times: int) -> None:
        self.left = times
        self.injected = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        if self.left <= 0:
            return None
        self.left -= 1
        self.injected += 1
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(self.body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def test_throttling_is_retried_by_the_client_config(endpoint: str, table: str) -> None:
    client = _client(endpoint, total_attempts=6)
    store = InventoryStore(client, table)
    store.create(StockItem("SKU-THR", WAREHOUSE, "sea", available=5))
    throttle = _Throttle(times=3)
    client.meta.events.register("before-send.dynamodb", throttle)
    result = store.reserve("order-thr-1", "evt-thr-001", [LineRequest("SKU-THR", WAREHOUSE, 2)])
    assert result.outcome is Outcome.APPLIED
    assert throttle.injected == 3
    item = store.get("SKU-THR", WAREHOUSE)
    assert item is not None and item.available == 3


def test_throttling_beyond_the_retry_budget_surfaces(endpoint: str, table: str) -> None:
    client = _client(endpoint, total_attempts=2)
    store = InventoryStore(client, table)
    store.create(StockItem("SKU-THR2", WAREHOUSE, "sea", available=5))
    client.meta.events.register("before-send.dynamodb", _Throttle(times=2))
    with pytest.raises(ClientError) as caught:
        store.get("SKU-THR2", WAREHOUSE)
    assert caught.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    item = store.get("SKU-THR2", WAREHOUSE)
    assert item is not None and item.available == 5
