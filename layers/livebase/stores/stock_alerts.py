"""The stock alert level on each stock item: settled by the writer that crosses a mark, undone when
the announcement of that crossing could not be sent (issue 28: nothing announced is lost).

A part of :class:`livebase.stores.inventory.InventoryStore` (its mixin), kept apart so the store's
module stays about stock changes. The pure rules (levels, which change speaks) are
:mod:`livebase.commerce.inventory.alerts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from livebase.commerce.inventory.alerts import StockSignal, level_for, signal_for
from livebase.commerce.inventory.model import AlertLevel, StockItem, StockKey


class StockAlertMarks:
    """Settle and unsettle the announced level; needs the store's client, table, reads and backoff."""

    client: Any
    table: str
    max_attempts: int
    get: Callable[[str, str], StockItem | None]
    _backoff: Callable[[int], None]

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
            return StockSignal(kind, _with_alert(item, level), mark, room_id, previous=item.alert)
        return None

    def unsettle_alert(self, signal: StockSignal) -> bool:
        """Put back the level ``signal``'s settle moved, when its announcement was not sent, so the
        next delivery crosses (and announces) again. False when another writer moved it since."""
        item = signal.item
        try:
            self.client.update_item(
                TableName=self.table,
                Key=StockKey(item.sku, item.warehouse).key(),
                UpdateExpression="SET alert = :old",
                ConditionExpression="alert = :new",
                ExpressionAttributeValues={":old": {"S": signal.previous.value}, ":new": {"S": item.alert.value}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _with_alert(item: StockItem, level: AlertLevel) -> StockItem:
    return replace(item, alert=level)
