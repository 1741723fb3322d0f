"""Presales in the inventory table: units sold ahead of an inbound purchase order, and the goods receipt
that serves those buyers before anyone else.

A stock item's presale (``presale_cap`` / ``presale_left`` / ``presale_reserved`` /
``expected_arrival``, :class:`livebase.commerce.inventory.StockItem`) is tied here to the purchase
order whose goods it promises (``presale_po``). One presale per SKU and warehouse at a time; its cap
is always ``presale_left + presale_reserved`` (what is still sellable plus what is sold and waiting).

A receipt of a SKU whose presold orders wait (``presale_reserved > 0``) does not add its units to
``available`` at once: its record (``RCV#<receipt>:<sku>``) holds them (``pooled``), and each
waiting order, oldest reservation first, takes its units from the pool in one transaction (the pool
down, the order's reservation lines moved from presale to spot, the stock's ``presale_reserved`` into
``reserved``). Only when no order waits any more does the rest of the pool become ``available``,
conditional on nothing having been presold since the last look: a live sale can never take a unit
a presold buyer is owed. Every step is conditional on what it read, so a crash or a redelivery
resumes from the pool where it stopped; nothing is allocated twice.

Which orders wait is found by a consistent scan of the reservation records (a receipt of a presold
SKU is rare; a sparse index on presold reservations would make it a query if that ever costs).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from livebase.aws import conditional_write, from_attributes, to_attributes
from livebase.commerce.inventory.model import (
    RECEIPT_PREFIX,
    RESERVATION_PREFIX,
    ReservationStatus,
    StockKey,
    number,
)
from livebase.commerce.inventory.requests import NEW_RECORD, RELEASE_CONDITION, RELEASE_UPDATE, record, record_key
from livebase.stores.inventory import InventoryContention, InventoryStore
from livebase.stores.presale_items import (
    PresaleState,
    Received,
    WaitingOrder,
    moved_lines,
    transact_update,
    waiting_order,
)

MAX_CONFLICTS = 12  # lost races a receipt or a presale change retries before giving up (redelivered)
BATCH_GET = 100  # keys per BatchGetItem
SHORT_BY = "presale-short:"  # ``released_by`` of an order cancelled because its presale's PO closed short
EXISTS = "attribute_exists(sku)"
NO_PRESALE_WAITING = "(attribute_not_exists(presale_reserved) OR presale_reserved = :zero)"
_UNMOVED = "(attribute_not_exists(presale_moves) OR presale_moves = :moves)"  # the order's lines as read
# A short presale's order cancelled: spot units back to available, presold units out of the presale.
SHORT_RELEASE_UPDATE = (
    "SET available = available + :s, reserved = reserved - :s,"
    " presale_reserved = presale_reserved - :p, presale_cap = presale_cap - :p"
)
SHORT_RELEASE_CONDITION = "reserved >= :s AND presale_reserved >= :p AND presale_cap >= :p"


class PresaleBook:
    """Presales and presold orders of one market's inventory table (through its :class:`InventoryStore`)."""

    def __init__(
        self,
        inventory: InventoryStore,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client, self.table = inventory.client, inventory.table
        self._sleep, self._clock = sleep, clock

    # ---- reads -------------------------------------------------------------------------------
    def state(self, sku: str, warehouse: str) -> PresaleState | None:
        found = self.client.get_item(TableName=self.table, Key=StockKey(sku, warehouse).key(), ConsistentRead=True)
        return PresaleState.from_item(found["Item"]) if "Item" in found else None

    def waiting_orders(self, key: StockKey) -> list[WaitingOrder]:
        """Reserved orders with presold units of ``key`` not yet served, oldest reservation first."""
        found = []
        for page in self.client.get_paginator("scan").paginate(
            TableName=self.table,
            ConsistentRead=True,
            FilterExpression="begins_with(sku, :res) AND #s = :reserved",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":res": {"S": RESERVATION_PREFIX}, ":reserved": {"S": "reserved"}},
        ):
            found += [order for item in page.get("Items", []) if (order := waiting_order(item, key)) is not None]
        return sorted(found, key=lambda o: (o.at, o.order_id))

    def waiting_presales(self, warehouse: str) -> list[PresaleState]:
        """The warehouse's stock items with presold units waiting for goods."""
        states = []
        for page in self.client.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="warehouse = :w AND presale_reserved > :zero",
            ExpressionAttributeValues={":w": {"S": warehouse}, ":zero": number(0)},
        ):
            states += [PresaleState.from_item(item) for item in page.get("Items", [])]
        return states

    def held_from_wms(self, order_ids: Sequence[str]) -> set[str]:
        """Of ``order_ids``, those the warehouse must not get yet: a reservation that still waits for
        presold goods, or one released (the order was cancelled, e.g. its presale came short)."""
        held: set[str] = set()
        keys = [record_key(RESERVATION_PREFIX, order_id) for order_id in dict.fromkeys(order_ids)]
        for start in range(0, len(keys), BATCH_GET):
            request: dict[str, Any] = {self.table: {"Keys": keys[start : start + BATCH_GET], "ConsistentRead": True}}
            while request:
                response = self.client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.table, []):
                    raw = from_attributes(item)
                    status = raw.get("status")
                    presold = any(int(line.get("presale", 0)) > 0 for line in raw.get("lines", []))
                    if status == ReservationStatus.RELEASED.value or (
                        status == ReservationStatus.RESERVED.value and presold
                    ):
                        held.add(str(raw["sku"]).removeprefix(RESERVATION_PREFIX))
                request = response.get("UnprocessedKeys") or {}
        return held

    def served_by(self, receipt_keys: Iterable[str]) -> list[tuple[str, int]]:
        """(order id, units) the receipts' pools went to, in the order they were served."""
        served: list[tuple[str, int]] = []
        for receipt_key in receipt_keys:
            found = self._receipt(receipt_key)
            served += [(str(s["order_id"]), int(s["units"])) for s in (found or {}).get("served", [])]
        return served

    def released_short(self, key: StockKey, po_id: str) -> list[tuple[str, int]]:
        """(order id, presold units of ``key``) cancelled because ``po_id`` closed short, oldest first."""
        found = []
        for page in self.client.get_paginator("scan").paginate(
            TableName=self.table,
            ConsistentRead=True,
            FilterExpression="begins_with(sku, :res) AND released_by = :by",
            ExpressionAttributeValues={":res": {"S": RESERVATION_PREFIX}, ":by": {"S": SHORT_BY + po_id}},
        ):
            for item in page.get("Items", []):
                raw = from_attributes(item)
                units = sum(int(v["presale"]) for v in raw.get("lines", []) if v["sku"] == key.sku)
                found.append((str(raw.get("at", "")), str(raw["sku"]).removeprefix(RESERVATION_PREFIX), units))
        return [(order_id, units) for _, order_id, units in sorted(found)]

    # ---- the presale itself ------------------------------------------------------------------
    def set_presale(self, seen: PresaleState, cap: int, po_id: str, expected_arrival: str) -> bool:
        """Tie the item's presale to ``po_id`` with ``cap`` (what is sold counts); False when the item
        changed since ``seen`` (re-read and decide again)."""
        left = cap - seen.waiting
        if left < 0:
            raise ValueError(f"cap {cap} is below the {seen.waiting} presold units waiting")
        return self._update_seen(
            seen,
            "SET presale_cap = :cap, presale_left = :left, expected_arrival = :eta, presale_po = :po",
            {":cap": number(cap), ":left": number(left), ":eta": {"S": expected_arrival}, ":po": {"S": po_id}},
        )

    def close_sales(self, seen: PresaleState, left: int) -> bool:
        """Lower what is still sellable ahead of the goods to ``left`` (the cap follows)."""
        values = {":cap": number(seen.waiting + left), ":left": number(left)}
        return self._update_seen(seen, "SET presale_cap = :cap, presale_left = :left", values)

    def mark(self, seen: PresaleState, attribute: str, value: str) -> bool:
        """Remember an announcement (``presale_late_announced`` / ``presale_short_announced``)."""
        if attribute not in ("presale_late_announced", "presale_short_announced"):
            raise ValueError(f"not an announcement mark: {attribute}")
        return self._update_seen(seen, f"SET {attribute} = :v", {":v": {"S": value}})

    # ---- goods receipts ----------------------------------------------------------------------
    def receive(self, sku: str, warehouse: str, quantity: int, receipt_key: str) -> Received | None:
        """Book ``quantity`` units once per ``receipt_key``: presold orders first, the rest available.
        None when the SKU is not tracked in the warehouse (nothing changed)."""
        if quantity <= 0:
            raise ValueError("received quantity must be positive")
        key = StockKey(sku, warehouse)
        for _ in range(MAX_CONFLICTS):
            if self._receipt(receipt_key) is not None:
                served, rest = self._serve_pool(key, receipt_key)  # whatever a crash left in the pool
                return Received(True, served, rest)
            state = self.state(sku, warehouse)
            if state is None:
                return None
            pooled = quantity if state.waiting > 0 else 0  # for presold orders first: held in the receipt
            values = {"sku_ref": sku, "warehouse_ref": warehouse, "quantity": quantity, "at": self._now()}
            put = {
                "Put": {
                    "TableName": self.table,
                    "Item": record(RECEIPT_PREFIX, receipt_key, {**values, "pooled": pooled, "served": []}),
                    "ConditionExpression": NEW_RECORD,
                }
            }
            if pooled:
                stock = {"ConditionCheck": {"TableName": self.table, "Key": key.key(), "ConditionExpression": EXISTS}}
            else:
                condition = f"{EXISTS} AND {NO_PRESALE_WAITING}"
                add = {":q": number(quantity), ":zero": number(0)}
                stock = transact_update(self.table, key.key(), "SET available = available + :q", condition, add)
            codes = self._transact([put, stock])
            if codes:  # booked meanwhile (the re-read resumes it), presold units appeared, or a conflict
                if "ConditionalCheckFailed" not in codes:
                    self._backoff()
                continue
            if not pooled:
                return Received(False, (), quantity)
            served, rest = self._serve_pool(key, receipt_key)
            return Received(False, served, rest)
        raise InventoryContention(f"receipt {receipt_key}: gave up after {MAX_CONFLICTS} conflicts")

    def _serve_pool(self, key: StockKey, receipt_key: str) -> tuple[tuple[tuple[str, int], ...], int]:
        """Empty the receipt's pool: waiting orders oldest first, then ``available``; (served, to available)."""
        conflicts = 0
        while conflicts < MAX_CONFLICTS:
            found = self._receipt(receipt_key) or {}
            served = tuple((str(s["order_id"]), int(s["units"])) for s in found.get("served", []))
            pool = int(found.get("pooled", 0))
            if pool == 0:
                return served, int(found.get("to_available", 0))
            state = self.state(key.sku, key.warehouse)  # read before the scan: a sale after it fails the release
            waiting = self.waiting_orders(key) if state is not None else []
            if not waiting:
                if self._pool_to_available(key, receipt_key, pool, state.waiting if state else 0):
                    return served, pool
                conflicts += 1
                continue
            for order in waiting:
                units = min(pool, order.presale)
                if not self._serve(key, receipt_key, pool, order, units):
                    conflicts += 1
                    self._backoff()
                    break
                pool -= units
                if pool == 0:
                    break
        raise InventoryContention(f"receipt {receipt_key}: gave up after {MAX_CONFLICTS} conflicts")

    def _serve(self, key: StockKey, receipt_key: str, pool: int, order: WaitingOrder, units: int) -> bool:
        """One order takes ``units`` from the pool: the pool, its lines and the stock in one transaction."""
        served = {"L": [{"M": {"order_id": {"S": order.order_id}, "units": number(units)}}]}
        take = transact_update(
            self.table, record_key(RECEIPT_PREFIX, receipt_key),
            "SET pooled = :after, served = list_append(served, :served)", "pooled = :pool",
            {":after": number(pool - units), ":pool": number(pool), ":served": served},
        )  # fmt: skip
        lines = to_attributes({"lines": moved_lines(order.lines, key, units)})["lines"]
        move = transact_update(
            self.table, record_key(RESERVATION_PREFIX, order.order_id),
            "SET #l = :lines, presale_moves = :next", f"#s = :reserved AND {_UNMOVED}",
            {":lines": lines, ":next": number(order.moves + 1), ":moves": number(order.moves),
             ":reserved": {"S": ReservationStatus.RESERVED.value}},
            s="status", l="lines",
        )  # fmt: skip
        stock = transact_update(
            self.table, key.key(),
            "SET reserved = reserved + :u, presale_reserved = presale_reserved - :u, presale_cap = presale_cap - :u",
            "presale_reserved >= :u AND presale_cap >= :u", {":u": number(units)},
        )  # fmt: skip
        return not self._transact([take, move, stock])

    def _pool_to_available(self, key: StockKey, receipt_key: str, pool: int, waiting_seen: int) -> bool:
        """No order waits: the pool's rest becomes available, unless something was presold since."""
        empty = transact_update(
            self.table, record_key(RECEIPT_PREFIX, receipt_key), "SET pooled = :zero, to_available = :pool",
            "pooled = :pool", {":zero": number(0), ":pool": number(pool)},
        )  # fmt: skip
        if waiting_seen == 0:
            condition, seen = f"{EXISTS} AND {NO_PRESALE_WAITING}", {":zero": number(0)}
        else:
            condition, seen = "presale_reserved = :w", {":w": number(waiting_seen)}
        add = transact_update(
            self.table, key.key(), "SET available = available + :q", condition, {":q": number(pool), **seen}
        )
        return not self._transact([empty, add])

    # ---- a presale that came short -----------------------------------------------------------
    def release_short(self, order: WaitingOrder, key: StockKey, po_id: str, reason: str) -> bool:
        """Cancel a presold order whose PO closed short: its spot units back to ``available``; its presold
        units of ``key`` leave the presale (never back to what is sellable: the goods will not come);
        other lines as any release. False when the order changed meanwhile (re-read)."""
        flip = transact_update(
            self.table, record_key(RESERVATION_PREFIX, order.order_id),
            "SET #s = :released, released_by = :by, released_reason = :r, released_at = :at",
            f"#s = :reserved AND {_UNMOVED}",
            {":released": {"S": ReservationStatus.RELEASED.value}, ":reserved": {"S": ReservationStatus.RESERVED.value},
             ":by": {"S": SHORT_BY + po_id}, ":r": {"S": reason}, ":at": {"S": self._now()},
             ":moves": number(order.moves)},
            s="status",
        )  # fmt: skip
        items = [flip]
        for line in order.lines:
            values = {":s": number(line.spot), ":p": number(line.presale)}
            if line.key == key:
                update, condition = SHORT_RELEASE_UPDATE, SHORT_RELEASE_CONDITION
            else:
                update, condition = RELEASE_UPDATE, RELEASE_CONDITION
            items.append(transact_update(self.table, line.key.key(), update, condition, values))
        return not self._transact(items)

    # ---- internals ---------------------------------------------------------------------------
    def _receipt(self, receipt_key: str) -> dict[str, Any] | None:
        found = self.client.get_item(
            TableName=self.table, Key=record_key(RECEIPT_PREFIX, receipt_key), ConsistentRead=True
        )
        return from_attributes(found["Item"]) if "Item" in found else None

    def _update_seen(self, seen: PresaleState, expression: str, values: dict[str, Any]) -> bool:
        """An update of the stock item conditional on the presale as ``seen`` (its PO included)."""
        po = "attribute_not_exists(presale_po)" if seen.po_id is None else "presale_po = :seen_po"
        seen_po = {} if seen.po_id is None else {":seen_po": {"S": seen.po_id}}
        return conditional_write(
            self.client.update_item,
            TableName=self.table,
            Key=seen.key.key(),
            UpdateExpression=expression,
            ConditionExpression=f"presale_reserved = :seen_waiting AND presale_left = :seen_left AND {po}",
            ExpressionAttributeValues={
                **values,
                **seen_po,
                ":seen_waiting": number(seen.waiting),
                ":seen_left": number(seen.left),
            },
        )

    def _transact(self, items: list[dict[str, Any]]) -> list[str]:
        """[] on commit, else the per-item cancellation codes."""
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = [str(reason.get("Code", "None")) for reason in error.response.get("CancellationReasons", [])]
            return codes or ["Unknown"] * len(items)
        return []

    def _backoff(self) -> None:
        self._sleep(random.uniform(0, 0.05))

    def _now(self) -> str:
        return self._clock().isoformat()
