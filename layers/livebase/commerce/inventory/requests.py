"""The DynamoDB write requests behind each inventory change, built as plain data.

Pure: no client, no clock. Keeping the condition expressions in one place makes the no-oversell
argument reviewable: every decrement of ``available`` / ``presale_left`` is guarded by
``>=`` the amount taken, in the same transaction as the put of the order's record.

After the reservation (issue 28) the order's record moves on, each move one transaction with the
stock it changes: ``reserved`` → ``released`` (a cancel: the units go back to ``available``) or
``reserved`` → ``consumed`` (the shipment: ``reserved`` goes down, ``available`` does not; on hand
is ``available + reserved``, so on hand goes down). Both flips are conditional on ``reserved``, so
an order is released or consumed once, whichever message asks, and a consumed reservation is never
released. A received return restocks its sellable units once per warehouse receipt (a ``RTN#``
record keyed on the order and the message). The per-viewer purchase-limit counters
(``livebase.commerce.limits``) are updated in the reservation's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from livebase.commerce.inventory.model import (
    RECEIPT_PREFIX,
    RECORD_SORT_KEY,
    RESERVATION_PREFIX,
    RESTOCK_PREFIX,
    Allocation,
    LineRequest,
    ReservationStatus,
    StockItem,
    StockKey,
    number,
    to_attributes,
)
from livebase.commerce.limits import (
    LIMIT_NAMES,
    LIMIT_RELEASE_CONDITION,
    LIMIT_RELEASE_UPDATE,
    LIMIT_RESERVE_CONDITION,
    LIMIT_RESERVE_UPDATE,
    PurchaseLimit,
)

RESERVE_UPDATE = (
    "SET available = available - :s, reserved = reserved + :s,"
    " presale_left = presale_left - :p, presale_reserved = presale_reserved + :p"
)
RESERVE_CONDITION = "available >= :s AND presale_left >= :p"
RELEASE_UPDATE = (
    "SET available = available + :s, reserved = reserved - :s,"
    " presale_left = presale_left + :p, presale_reserved = presale_reserved - :p"
)
RELEASE_CONDITION = "reserved >= :s AND presale_reserved >= :p"
# The shipment: promised units leave the shelf. A presold unit is in ``reserved`` by then (the goods
# receipt allocates presold units before they can ship), so both parts of a line come off ``reserved``.
CONSUME_UPDATE = "SET reserved = reserved - :q"
CONSUME_CONDITION = "reserved >= :q"
RESTOCK_UPDATE = "SET available = available + :q"
NEW_RECORD = "attribute_not_exists(sku)"
TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems


@dataclass(frozen=True)
class LimitCounter:
    """One viewer x SKU x session counter an order bumps (``livebase.commerce.limits``)."""

    key: str  # limits.limit_key(...): the item's ``sku`` key value
    sku: str
    quantity: int
    limit: PurchaseLimit
    expires_at: int  # epoch seconds (the inventory table's TTL attribute)


def merge_lines(lines: Sequence[LineRequest]) -> list[LineRequest]:
    """One request per stock item: a transaction may touch each item only once."""
    totals: dict[StockKey, int] = {}
    for line in lines:
        key = StockKey(line.sku, line.warehouse)
        totals[key] = totals.get(key, 0) + line.quantity
    return [LineRequest(key.sku, key.warehouse, quantity) for key, quantity in totals.items()]


def plan(item: StockItem, quantity: int) -> Allocation | None:
    """Spot stock first, the rest against the presale cap (presale + spot hybrid); None if short."""
    spot = min(max(item.available, 0), quantity)
    presale = quantity - spot
    if presale > max(item.presale_left, 0):
        return None
    return Allocation(item.sku, item.warehouse, spot, presale)


def record_key(prefix: str, business_id: str) -> dict[str, Any]:
    return {"sku": {"S": prefix + business_id}, "warehouse": {"S": RECORD_SORT_KEY}}


def record(prefix: str, business_id: str, values: dict[str, Any]) -> dict[str, Any]:
    return {**record_key(prefix, business_id), **to_attributes(values)}


def _put_new(table: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": NEW_RECORD}}


def _stock_update(table: str, a: Allocation, update: str, condition: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": a.key.key(),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": {":s": number(a.spot), ":p": number(a.presale)},
        }
    }


def reserve_items(
    table: str,
    order_id: str,
    event_id: str,
    allocations: Sequence[Allocation],
    at: str,
    *,
    fingerprint: str = "",
    limits: Sequence[LimitCounter] = (),
) -> list[dict[str, Any]]:
    """Record first (index 0), then one guarded decrement per stock item, then one guarded bump per
    limit counter (indexes ``1 + len(allocations)`` on)."""
    values = {
        "status": ReservationStatus.RESERVED.value,
        "event_id": event_id,
        "lines": [a.to_value() for a in allocations],
        "at": at,
        "fingerprint": fingerprint or None,
        "limited": {c.sku: c.quantity for c in limits} or None,  # what a cancel gives back (no viewer here)
    }
    items = [_put_new(table, record(RESERVATION_PREFIX, order_id, values))]
    items += [_stock_update(table, a, RESERVE_UPDATE, RESERVE_CONDITION) for a in allocations]
    items += [_limit_update(table, c, reserve=True) for c in limits]
    return items


def _limit_update(table: str, counter: LimitCounter, *, reserve: bool) -> dict[str, Any]:
    values = {":q": number(counter.quantity)}
    if reserve:
        values |= {
            ":zero": number(0), ":limit": number(counter.limit.units), ":ttl": number(counter.expires_at),
            ":room": number(counter.limit.units - counter.quantity),
        }  # fmt: skip
    update = {
        "TableName": table,
        "Key": record_key("", counter.key),
        "UpdateExpression": LIMIT_RESERVE_UPDATE if reserve else LIMIT_RELEASE_UPDATE,
        "ConditionExpression": LIMIT_RESERVE_CONDITION if reserve else LIMIT_RELEASE_CONDITION,
        "ExpressionAttributeValues": values,
    }
    if reserve:
        update["ExpressionAttributeNames"] = dict(LIMIT_NAMES)
    return {"Update": update}


def _flip(table: str, order_id: str, to: ReservationStatus, by: str, why: str, at: str) -> dict[str, Any]:
    """The reservation record reserved -> ``to``, once (the condition is the idempotency)."""
    return {
        "Update": {
            "TableName": table,
            "Key": record_key(RESERVATION_PREFIX, order_id),
            "UpdateExpression": f"SET #s = :to, {to.value}_by = :e, {to.value}_reason = :r, {to.value}_at = :at",
            "ConditionExpression": "#s = :reserved",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":to": {"S": to.value},
                ":reserved": {"S": ReservationStatus.RESERVED.value},
                ":e": {"S": by},
                ":r": {"S": why},
                ":at": {"S": at},
            },
        }
    }


def release_items(
    table: str,
    order_id: str,
    event_id: str,
    reason: str,
    allocations: Sequence[Allocation],
    *,
    at: str = "",
    limits: Sequence[LimitCounter] = (),
    guards: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Flip the record reserved -> released (index 0), give each line back, then each limit counter,
    then the caller's ``guards`` (items of other tables that must hold, e.g. "not handed to the WMS")."""
    items = [_flip(table, order_id, ReservationStatus.RELEASED, event_id, reason, at)]
    items += [_stock_update(table, a, RELEASE_UPDATE, RELEASE_CONDITION) for a in allocations]
    items += [_limit_update(table, c, reserve=False) for c in limits]
    return items + [dict(guard) for guard in guards]


def consume_items(
    table: str, order_id: str, message_key: str, allocations: Sequence[Allocation], at: str
) -> list[dict[str, Any]]:
    """Flip the record reserved -> consumed (index 0), then take each line off ``reserved``."""
    items = [_flip(table, order_id, ReservationStatus.CONSUMED, message_key, "shipped", at)]
    for a in allocations:
        quantity = {":q": number(a.spot + a.presale)}
        update = {"TableName": table, "Key": a.key.key(), "UpdateExpression": CONSUME_UPDATE,
                  "ConditionExpression": CONSUME_CONDITION, "ExpressionAttributeValues": quantity}  # fmt: skip
        items.append({"Update": update})
    return items


def restock_id(order_id: str, message_key: str) -> str:
    """The business id of one received return's restock: the order and the warehouse's message."""
    return f"{order_id}#{message_key}"


def restock_items(
    table: str, order_id: str, message_key: str, lines: Sequence[LineRequest], at: str
) -> list[dict[str, Any]]:
    """Record the restock (index 0), then add each line's sellable units to ``available``."""
    values: dict[str, Any] = {
        "order_id": order_id, "message": message_key, "at": at,
        "lines": [{"sku": line.sku, "warehouse": line.warehouse, "quantity": line.quantity} for line in lines],
    }  # fmt: skip
    items = [_put_new(table, record(RESTOCK_PREFIX, restock_id(order_id, message_key), values))]
    for line in lines:
        update = {"TableName": table, "Key": StockKey(line.sku, line.warehouse).key(),
                  "UpdateExpression": RESTOCK_UPDATE, "ConditionExpression": "attribute_exists(sku)",
                  "ExpressionAttributeValues": {":q": number(line.quantity)}}  # fmt: skip
        items.append({"Update": update})
    return items


def status_record(
    order_id: str, event_id: str, status: ReservationStatus, reason: str, at: str, fingerprint: str = ""
) -> dict[str, Any]:
    """A reservation record that holds no stock: a rejection, or a release ahead of its order."""
    values: dict[str, Any] = {
        "status": status.value,
        "event_id": event_id,
        "lines": [],
        "reason": reason,
        "at": at,
        "fingerprint": fingerprint or None,
    }
    return record(RESERVATION_PREFIX, order_id, values)


def receipt_items(table: str, key: StockKey, quantity: int, receipt_id: str, at: str) -> list[dict[str, Any]]:
    """Record the receipt (index 0) and add the units to spot stock of a tracked item."""
    values: dict[str, Any] = {
        "sku_ref": key.sku,
        "warehouse_ref": key.warehouse,
        "quantity": quantity,
        "at": at,
    }
    add = {
        "Update": {
            "TableName": table,
            "Key": key.key(),
            "UpdateExpression": "SET available = available + :q",
            "ConditionExpression": "attribute_exists(sku)",
            "ExpressionAttributeValues": {":q": number(quantity)},
        }
    }
    return [_put_new(table, record(RECEIPT_PREFIX, receipt_id, values)), add]
