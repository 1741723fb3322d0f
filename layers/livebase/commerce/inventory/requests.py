"""The DynamoDB write requests behind each inventory change, built as plain data.

Pure: no client, no clock. Keeping the condition expressions in one place makes the no-oversell
argument reviewable: every decrement of ``available`` / ``presale_left`` is guarded by
``>=`` the amount taken, in the same transaction as the put of the order's record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from livebase.commerce.inventory.model import (
    RECEIPT_PREFIX,
    RECORD_SORT_KEY,
    RESERVATION_PREFIX,
    Allocation,
    LineRequest,
    ReservationStatus,
    StockItem,
    StockKey,
    number,
    to_attributes,
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
NEW_RECORD = "attribute_not_exists(sku)"


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
    table: str, order_id: str, event_id: str, allocations: Sequence[Allocation], at: str
) -> list[dict[str, Any]]:
    """Record first (index 0), then one guarded decrement per stock item."""
    values = {
        "status": ReservationStatus.RESERVED.value,
        "event_id": event_id,
        "lines": [a.to_value() for a in allocations],
        "at": at,
    }
    items = [_put_new(table, record(RESERVATION_PREFIX, order_id, values))]
    items += [_stock_update(table, a, RESERVE_UPDATE, RESERVE_CONDITION) for a in allocations]
    return items


def release_items(
    table: str, order_id: str, event_id: str, reason: str, allocations: Sequence[Allocation]
) -> list[dict[str, Any]]:
    """Flip the record reserved -> released (index 0), then give each line back."""
    flip = {
        "Update": {
            "TableName": table,
            "Key": record_key(RESERVATION_PREFIX, order_id),
            "UpdateExpression": "SET #s = :released, released_by = :e, release_reason = :r",
            "ConditionExpression": "#s = :reserved",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":released": {"S": ReservationStatus.RELEASED.value},
                ":reserved": {"S": ReservationStatus.RESERVED.value},
                ":e": {"S": event_id},
                ":r": {"S": reason},
            },
        }
    }
    return [flip] + [_stock_update(table, a, RELEASE_UPDATE, RELEASE_CONDITION) for a in allocations]


def status_record(order_id: str, event_id: str, status: ReservationStatus, reason: str, at: str) -> dict[str, Any]:
    """A reservation record that holds no stock: a rejection, or a release ahead of its order."""
    values: dict[str, Any] = {
        "status": status.value,
        "event_id": event_id,
        "lines": [],
        "reason": reason,
        "at": at,
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
