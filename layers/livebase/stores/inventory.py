"""Stock per SKU x warehouse in DynamoDB: reservations that cannot oversell, idempotent on the order.

Every change is one ``TransactWriteItems``: the conditional updates of the stock items (enough
available, never below zero) together with the put of a bookkeeping record keyed on the business
id (``attribute_not_exists``). A redelivered order finds its record and changes nothing; a crash
before the commit changed nothing; a crash after it is a duplicate on redelivery. No separate
idempotency table is needed. Reads that plan a change are only hints: the conditions decide.

Throttling is left to botocore's retry modes (:func:`retry_config`); transaction conflicts and
stale plans are retried here with jittered backoff.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from livebase.aws import TransientError
from livebase.commerce.inventory.alerts import StockSignal, level_for, signal_for
from livebase.commerce.inventory.model import (
    RECEIPT_PREFIX,
    RESERVATION_PREFIX,
    AlertLevel,
    Allocation,
    ChangeResult,
    LineRequest,
    Outcome,
    ReservationStatus,
    StockItem,
    StockKey,
    from_attributes,
    number,
)
from livebase.commerce.inventory.requests import (
    NEW_RECORD,
    merge_lines,
    plan,
    receipt_items,
    record_key,
    release_items,
    reserve_items,
    status_record,
)


class InventoryContention(TransientError):
    """Gave up after repeated transaction conflicts; the event should be redelivered."""


def _cancellation_codes(error: ClientError) -> list[str]:
    reasons = error.response.get("CancellationReasons", [])
    return [str(reason.get("Code", "None")) for reason in reasons]


class InventoryStore:
    """Data access for one market's inventory table (real AWS, the local moto server, or mock_aws)."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        max_attempts: int = 8,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if max_attempts < 2:  # a redelivered order needs a second attempt to read its own record
            raise ValueError(f"max_attempts must be at least 2, got {max_attempts}")
        self.client = client
        self.table = table_name
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._clock = clock

    # ---- reads -------------------------------------------------------------------------------
    def get(self, sku: str, warehouse: str) -> StockItem | None:
        response = self.client.get_item(TableName=self.table, Key=StockKey(sku, warehouse).key(), ConsistentRead=True)
        return StockItem.from_item(response["Item"]) if "Item" in response else None

    def reservation(self, order_id: str) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.table, Key=record_key(RESERVATION_PREFIX, order_id), ConsistentRead=True
        )
        return from_attributes(response["Item"]) if "Item" in response else None

    def stock_of(self, warehouse: str) -> dict[str, StockItem]:
        """Every stock item of a warehouse by SKU (reservation and receipt records skipped)."""
        stock: dict[str, StockItem] = {}
        for page in self.client.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="warehouse = :w",
            ExpressionAttributeValues={":w": {"S": warehouse}},
        ):
            for item in page.get("Items", []):
                if not item["sku"]["S"].startswith((RESERVATION_PREFIX, RECEIPT_PREFIX)):
                    stock[item["sku"]["S"]] = StockItem.from_item(item)
        return stock

    # ---- stock set-up and receipts -----------------------------------------------------------
    def create(self, item: StockItem) -> bool:
        """Start tracking a SKU in a warehouse; False if it is already tracked (nothing changed)."""
        try:
            self.client.put_item(TableName=self.table, Item=item.to_item(), ConditionExpression=NEW_RECORD)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def receive(self, sku: str, warehouse: str, quantity: int, receipt_id: str) -> ChangeResult:
        """Goods arrived: add spot stock once per receipt id."""
        if quantity <= 0:
            raise ValueError("received quantity must be positive")
        key = StockKey(sku, warehouse)
        items = receipt_items(self.table, key, quantity, receipt_id, self._now())
        for attempt in range(1, self.max_attempts + 1):
            codes = self._transact(items)
            if not codes:
                return ChangeResult(Outcome.APPLIED, attempts=attempt, touched=(key,))
            if codes[0] == "ConditionalCheckFailed":
                return ChangeResult(Outcome.DUPLICATE, reason=f"receipt {receipt_id} already booked")
            if codes[1] == "ConditionalCheckFailed":
                return ChangeResult(Outcome.REJECTED, reason=f"{sku} is not tracked in {warehouse}")
            self._backoff(attempt)
        raise InventoryContention(f"receipt {receipt_id}: gave up after {self.max_attempts} conflicts")

    def open_presale(self, sku: str, warehouse: str, cap: int, expected_arrival: str) -> StockItem:
        """Set the presale cap (units sellable ahead of arrival); what is already sold counts."""
        for attempt in range(1, self.max_attempts + 1):
            item = self.get(sku, warehouse)
            if item is None:
                raise LookupError(f"{sku} is not tracked in {warehouse}")
            left = cap - item.presale_reserved
            if left < 0:
                raise ValueError(f"cap {cap} is below the {item.presale_reserved} presale units already sold")
            try:
                self.client.update_item(
                    TableName=self.table,
                    Key=StockKey(sku, warehouse).key(),
                    UpdateExpression="SET presale_cap = :cap, presale_left = :left, expected_arrival = :eta",
                    ConditionExpression="presale_reserved = :seen",
                    ExpressionAttributeValues={
                        ":cap": number(cap),
                        ":left": number(left),
                        ":eta": {"S": expected_arrival},
                        ":seen": number(item.presale_reserved),
                    },
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                self._backoff(attempt)
                continue
            found = self.get(sku, warehouse)
            assert found is not None
            return found
        raise InventoryContention(f"presale of {sku}: gave up after {self.max_attempts} conflicts")

    # ---- orders ------------------------------------------------------------------------------
    def reserve(self, order_id: str, event_id: str, lines: Sequence[LineRequest]) -> ChangeResult:
        """Reserve every line of an order or none of them; once per order id.

        The first attempt does not read the order's record first: the transaction (or the
        rejection's put) only succeeds if there is none, and a failure re-reads it. A first
        delivery, the common case, saves a round trip.
        """
        requests = merge_lines(lines)
        if not requests:
            raise ValueError(f"order {order_id} has no lines")
        for attempt in range(1, self.max_attempts + 1):
            existing = self.reservation(order_id) if attempt > 1 else None
            if existing is not None:
                return _already(existing)
            allocations, short = self._plan(requests)
            if short:
                rejected = status_record(order_id, event_id, ReservationStatus.REJECTED, short, self._now())
                if self._put_new(rejected):
                    return ChangeResult(Outcome.REJECTED, ReservationStatus.REJECTED, reason=short, attempts=attempt)
                continue  # another delivery wrote the record first: report what it decided
            codes = self._transact(reserve_items(self.table, order_id, event_id, allocations, self._now()))
            if not codes:
                return ChangeResult(
                    Outcome.APPLIED,
                    ReservationStatus.RESERVED,
                    tuple(allocations),
                    attempts=attempt,
                    touched=tuple(a.key for a in allocations),
                )
            if codes[0] == "ConditionalCheckFailed":
                continue  # a concurrent delivery of the same order won; re-read its record
            if "TransactionConflict" in codes or "ThrottlingError" in codes:
                self._backoff(attempt)
            # else a stock condition failed: our read was stale, so plan again from a fresh read
        raise InventoryContention(f"order {order_id}: gave up after {self.max_attempts} attempts")

    def release(self, order_id: str, event_id: str, reason: str) -> ChangeResult:
        """Give back what an order reserved (cancel / refund); once per order id.

        A release that arrives before its order leaves a ``released`` record, so the late order
        reserves nothing.
        """
        for attempt in range(1, self.max_attempts + 1):
            existing = self.reservation(order_id)
            if existing is None:
                released = ReservationStatus.RELEASED
                if self._put_new(status_record(order_id, event_id, released, reason, self._now())):
                    return ChangeResult(
                        Outcome.NOOP,
                        ReservationStatus.RELEASED,
                        reason=f"order {order_id} not seen yet; it will reserve nothing",
                    )
                continue
            if existing.get("status") != ReservationStatus.RESERVED.value:
                return _already(existing)
            allocations = tuple(Allocation.from_value(v) for v in existing.get("lines", []))
            codes = self._transact(release_items(self.table, order_id, event_id, reason, allocations))
            if not codes:
                return ChangeResult(
                    Outcome.APPLIED,
                    ReservationStatus.RELEASED,
                    allocations,
                    attempts=attempt,
                    touched=tuple(a.key for a in allocations),
                )
            if codes[0] == "ConditionalCheckFailed":
                continue  # released concurrently: the re-read reports it
            if any(code == "ConditionalCheckFailed" for code in codes[1:]):
                raise RuntimeError(
                    f"order {order_id}: stock holds less reserved than the order; "
                    "the table was changed outside this store"
                )
            self._backoff(attempt)
        raise InventoryContention(f"release of {order_id}: gave up after {self.max_attempts} attempts")

    # ---- alerts ------------------------------------------------------------------------------
    def settle_alert(self, key: StockKey, default_low_mark: int, room_id: str | None = None) -> StockSignal | None:
        """Move the item's announced level to match its stock; the writer that moves it down signals."""
        for attempt in range(1, self.max_attempts + 1):
            item = self.get(key.sku, key.warehouse)
            if item is None:
                return None
            mark = default_low_mark if item.low_mark is None else item.low_mark
            level = level_for(item.sellable, mark)
            if level is item.alert:
                return None
            try:
                self.client.update_item(
                    TableName=self.table,
                    Key=key.key(),
                    UpdateExpression="SET alert = :new",
                    ConditionExpression="alert = :old",
                    ExpressionAttributeValues={":new": {"S": level.value}, ":old": {"S": item.alert.value}},
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                self._backoff(attempt)
                continue
            kind = signal_for(item.alert, level)
            if kind is None:
                return None
            return StockSignal(kind, _with_alert(item, level), mark, room_id)
        return None

    # ---- internals ---------------------------------------------------------------------------
    def _plan(self, requests: Sequence[LineRequest]) -> tuple[list[Allocation], str]:
        allocations: list[Allocation] = []
        for request in requests:
            item = self.get(request.sku, request.warehouse)
            if item is None:
                return [], f"{request.sku} is not stocked in {request.warehouse}"
            allocation = plan(item, request.quantity)
            if allocation is None:
                return [], (
                    f"{request.sku}: {request.quantity} wanted, {item.sellable} sellable in {request.warehouse}"
                )
            allocations.append(allocation)
        return allocations, ""

    def _put_new(self, item: dict[str, Any]) -> bool:
        try:
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression=NEW_RECORD)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _transact(self, items: list[Any]) -> list[str]:
        """Run a transaction; [] on commit, else the per-item cancellation codes."""
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(error)
            return codes or ["Unknown"] * len(items)
        return []

    def _backoff(self, attempt: int) -> None:
        self._sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))

    def _now(self) -> str:
        return self._clock().isoformat()


def _already(record: dict[str, Any]) -> ChangeResult:
    status = ReservationStatus(record["status"])
    allocations = tuple(Allocation.from_value(v) for v in record.get("lines", []))
    outcome = Outcome.REJECTED if status is ReservationStatus.REJECTED else Outcome.DUPLICATE
    # ``touched`` lets a redelivery settle alerts a crashed first delivery never got to.
    return ChangeResult(
        outcome,
        status,
        allocations,
        reason=f"order already {status.value}",
        touched=tuple(a.key for a in allocations),
    )


def _with_alert(item: StockItem, level: AlertLevel) -> StockItem:
    return replace(item, alert=level)
