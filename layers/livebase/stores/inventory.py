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
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from livebase.aws import TransientError
from livebase.commerce.inventory import Allocation, ChangeResult, LineRequest, Outcome, StockItem, StockKey
from livebase.commerce.inventory.decided import already_decided, limit_counters, over_limit
from livebase.commerce.inventory.model import (
    RECORD_PREFIXES,
    RESERVATION_PREFIX,
    ReservationStatus,
    from_attributes,
    number,
)
from livebase.commerce.inventory.requests import (
    NEW_RECORD,
    TRANSACTION_ITEMS,
    LimitCounter,
    consume_items,
    merge_lines,
    plan,
    receipt_items,
    record_key,
    release_items,
    reserve_items,
    restock_items,
    status_record,
)
from livebase.stores.stock_alerts import StockAlertMarks


class InventoryContention(TransientError):
    """Gave up after repeated transaction conflicts; the event should be redelivered."""


def _cancellation_codes(error: ClientError) -> list[str]:
    reasons = error.response.get("CancellationReasons", [])
    return [str(reason.get("Code", "None")) for reason in reasons]


class InventoryStore(StockAlertMarks):
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
                if not item["sku"]["S"].startswith(RECORD_PREFIXES):
                    stock[item["sku"]["S"]] = StockItem.from_item(item)
        return stock

    # ---- stock set-up and receipts -----------------------------------------------------------
    def create(self, item: StockItem) -> bool:
        """Start tracking a SKU in a warehouse; False if it is already tracked (nothing changed)."""
        return self._put_new(item.to_item())

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
    def reserve(
        self,
        order_id: str,
        event_id: str,
        lines: Sequence[LineRequest],
        *,
        fingerprint: str = "",
        limits: Sequence[LimitCounter] = (),
    ) -> ChangeResult:
        """Reserve every line of an order or none of them; once per order id.

        The first attempt does not read the order's record first: the transaction (or the
        rejection's put) only succeeds if there is none, and a failure re-reads it. A first
        delivery, the common case, saves a round trip. ``fingerprint`` (``livebase.commerce.conflicts``)
        is kept on the record: the same id with other content is refused (``ChangeResult.conflict``).
        ``limits``: the viewer's purchase-limit counters, bumped in the same transaction; a refusal
        names the limit.
        """
        requests = merge_lines(lines)
        if not requests:
            raise ValueError(f"order {order_id} has no lines")
        for attempt in range(1, self.max_attempts + 1):
            existing = self.reservation(order_id) if attempt > 1 else None
            if existing is not None:
                return already_decided(existing, order_id, fingerprint)
            allocations, short = self._plan(requests)
            short = over_limit([(c, 0) for c in limits]) or short
            items = reserve_items(
                self.table, order_id, event_id, allocations, self._now(), fingerprint=fingerprint, limits=limits
            )
            if not short and len(items) > TRANSACTION_ITEMS:
                short = (
                    f"lines: {len(allocations)} stock items and {len(limits)} limited SKUs do not fit one reservation"
                )
            if short:
                rejected = self._reject(order_id, event_id, short, fingerprint, attempt)
                if rejected is not None:
                    return rejected
                continue  # another delivery wrote the record first: report what it decided
            codes = self._transact(items)
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
            limit_codes = codes[1 + len(allocations) :]
            if "ConditionalCheckFailed" in limit_codes:
                over = self._limit_reason(limits)
                rejected = self._reject(order_id, event_id, over, fingerprint, attempt) if over else None
                if rejected is not None:
                    return rejected
                continue  # the counter moved meanwhile (or another delivery decided): again
            if "TransactionConflict" in codes or "ThrottlingError" in codes:
                self._backoff(attempt)
            # else a stock condition failed: our read was stale, so plan again from a fresh read
        raise InventoryContention(f"order {order_id}: gave up after {self.max_attempts} attempts")

    def reject(self, order_id: str, event_id: str, reason: str, fingerprint: str = "") -> ChangeResult:
        """Record an order refused before any stock was asked (its price): once per order id, like a
        reservation, so a redelivery is refused the same way and another content is a conflict."""
        for attempt in range(1, self.max_attempts + 1):
            existing = self.reservation(order_id)
            if existing is not None:
                return already_decided(existing, order_id, fingerprint)
            rejected = self._reject(order_id, event_id, reason, fingerprint, attempt)
            if rejected is not None:
                return rejected
        raise InventoryContention(f"order {order_id}: gave up after {self.max_attempts} attempts")

    def release(
        self,
        order_id: str,
        event_id: str,
        reason: str,
        *,
        limit_owner: tuple[str, str] | None = None,
        guards: Sequence[dict[str, Any]] = (),
    ) -> ChangeResult:
        """Give back what an order reserved (a cancel before hand-off); once per order id.

        Only a ``reserved`` reservation is released: a consumed one (shipped) never gives its units
        back to ``available``. ``limit_owner`` (session, viewer): the purchase-limit counters the
        order bumped (its record says which SKUs) are given back in the same transaction (a counter
        already expired is skipped). ``guards``: items of other tables that must
        hold for the release (e.g. the order not yet handed to the WMS: ``OrderStore.cancel_guard``);
        one that fails leaves everything as it was (``REJECTED``, reason "guard").
        A release that arrives before its order leaves a ``released`` record, so the late order
        reserves nothing.
        """
        limits: Sequence[LimitCounter] = ()
        given_back_skipped = False
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
                return already_decided(existing, order_id)
            allocations = tuple(Allocation.from_value(v) for v in existing.get("lines", []))
            if limit_owner is not None and not given_back_skipped:
                limits = limit_counters(existing, *limit_owner)
            items = release_items(
                self.table, order_id, event_id, reason, allocations, at=self._now(), limits=limits, guards=guards
            )
            codes = self._transact(items)
            if not codes:
                return ChangeResult(
                    Outcome.APPLIED,
                    ReservationStatus.RELEASED,
                    allocations,
                    attempts=attempt,
                    touched=tuple(a.key for a in allocations),
                )
            if codes[0] == "ConditionalCheckFailed":
                continue  # released or consumed concurrently: the re-read reports it
            stock_end = 1 + len(allocations)
            if "ConditionalCheckFailed" in codes[stock_end + len(limits) :]:
                return ChangeResult(Outcome.REJECTED, ReservationStatus.RESERVED, reason="guard", attempts=attempt)
            if "ConditionalCheckFailed" in codes[stock_end : stock_end + len(limits)]:
                limits, given_back_skipped = (), True  # a counter expired (TTL): the stock still goes back
                continue
            if "ConditionalCheckFailed" in codes[1:stock_end]:
                raise _changed_outside(order_id)
            self._backoff(attempt)
        raise InventoryContention(f"release of {order_id}: gave up after {self.max_attempts} attempts")

    def consume(self, order_id: str, message_key: str) -> ChangeResult:
        """The order shipped: its reserved units leave the shelf (``reserved`` down, on hand down);
        once per order (the record's reserved -> consumed flip), whichever message said so."""
        for attempt in range(1, self.max_attempts + 1):
            existing = self.reservation(order_id)
            if existing is None:
                return ChangeResult(Outcome.NOOP, reason=f"order {order_id} holds no reservation")
            if existing.get("status") != ReservationStatus.RESERVED.value:
                return already_decided(existing, order_id)
            allocations = tuple(Allocation.from_value(v) for v in existing.get("lines", []))
            codes = self._transact(consume_items(self.table, order_id, message_key, allocations, self._now()))
            if not codes:
                return ChangeResult(
                    Outcome.APPLIED, ReservationStatus.CONSUMED, allocations, attempts=attempt,
                    touched=tuple(a.key for a in allocations),
                )  # fmt: skip
            if codes[0] == "ConditionalCheckFailed":
                continue  # released or consumed concurrently: the re-read reports it
            if "ConditionalCheckFailed" in codes[1:]:
                raise _changed_outside(order_id)
            self._backoff(attempt)
        raise InventoryContention(f"consume of {order_id}: gave up after {self.max_attempts} attempts")

    def restock(self, order_id: str, message_key: str, lines: Sequence[LineRequest]) -> ChangeResult:
        """Returned units received sellable go back to ``available``; once per order and message."""
        requests = merge_lines(lines)
        if not requests:
            return ChangeResult(Outcome.NOOP, reason="nothing sellable came back")
        keys = tuple(StockKey(r.sku, r.warehouse) for r in requests)
        for attempt in range(1, self.max_attempts + 1):
            codes = self._transact(restock_items(self.table, order_id, message_key, requests, self._now()))
            if not codes:
                return ChangeResult(Outcome.APPLIED, attempts=attempt, touched=keys)
            if codes[0] == "ConditionalCheckFailed":
                return ChangeResult(Outcome.DUPLICATE, reason=f"{message_key} of {order_id} restocked already")
            if "ConditionalCheckFailed" in codes[1:]:
                untracked = [r.sku for r, code in zip(requests, codes[1:], strict=False) if code != "None"]
                return ChangeResult(Outcome.REJECTED, reason=f"{', '.join(untracked)} not tracked in this warehouse")
            self._backoff(attempt)
        raise InventoryContention(f"restock of {order_id}: gave up after {self.max_attempts} attempts")

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

    def _reject(self, order_id: str, event_id: str, reason: str, fingerprint: str, attempt: int) -> ChangeResult | None:
        """Write the order's rejected record; None when another delivery wrote a record first."""
        rejected = status_record(order_id, event_id, ReservationStatus.REJECTED, reason, self._now(), fingerprint)
        if self._put_new(rejected):
            return ChangeResult(Outcome.REJECTED, ReservationStatus.REJECTED, reason=reason, attempts=attempt)
        return None

    def _limit_reason(self, limits: Sequence[LimitCounter]) -> str:
        """Which limit a failed reservation met, from the counters as they are now ('' if none)."""
        bought = []
        for counter in limits:
            response = self.client.get_item(TableName=self.table, Key=record_key("", counter.key), ConsistentRead=True)
            bought.append((counter, int(response.get("Item", {}).get("bought", {}).get("N", "0"))))
        return over_limit(bought)

    def _put_new(self, item: dict[str, Any]) -> bool:
        """Put an item whose key is new; False when it exists (nothing changed)."""
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


def _changed_outside(order_id: str) -> RuntimeError:
    return RuntimeError(
        f"order {order_id}: stock holds less reserved than the order; the table was changed outside this store"
    )
