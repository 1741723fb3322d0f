"""Live prices and promotions set for a session (by ops or the session plan), in the inventory table.

Why there: the orders consumer already reads and writes that table, a price is set the moment ops
decide it (``./livebase price``) without rewriting a plan file, and the order's pricing reads it
with one query per SKU of the order (cached per container a minute: ``livebase.commerce.price_list``).
One item per price as set, beside the stock items and bookkeeping records::

    sku        (S, key)  "PRICE#<session_id>#<sku>"
    warehouse  (S, key)  "<set_by>#<valid_from ISO>#<kind>"      (one setter's price from one moment)
    price (S, decimal text), kind, set_by, valid_from, valid_until (ISO text), set_at

Setting the same setter's price from the same moment again replaces it (a correction, or an early
end: ``valid_until`` moved). Which price wins among several is the pricing's rule
(:meth:`livebase.commerce.pricing.PriceBook.quote`). Stock scans skip these items (their
``warehouse`` is no warehouse); nothing in them names a buyer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from livebase.aws import from_attributes, to_attributes
from livebase.commerce.pricing import SessionPrice

PRICE_PREFIX = "PRICE#"


def price_key(session_id: str, sku: str) -> str:
    return f"{PRICE_PREFIX}{session_id}#{sku}"


class SessionPriceStore:
    """Session prices of one market (its inventory table, through a boto3 DynamoDB client)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table = table_name

    def put(self, price: SessionPrice, *, at: datetime | None = None) -> None:
        """Set (or replace) one price; see the module docstring."""
        values = {
            "sku": price_key(price.session_id, price.sku),
            "warehouse": f"{price.set_by}#{price.valid_from.isoformat()}#{price.kind}",
            "price": str(price.price), "kind": price.kind, "set_by": price.set_by,
            "valid_from": price.valid_from.isoformat(), "valid_until": price.valid_until.isoformat(),
            "set_at": (at or datetime.now(UTC)).isoformat(),
        }  # fmt: skip
        self.client.put_item(TableName=self.table, Item=to_attributes(values))

    def for_sku(self, session_id: str, sku: str) -> list[SessionPrice]:
        """Every price set for the SKU in the session (valid now or not: the pricing decides)."""
        found: list[SessionPrice] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "sku = :k",
            "ExpressionAttributeValues": {":k": {"S": price_key(session_id, sku)}},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**kwargs)
            found += [_price(session_id, sku, from_attributes(item)) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def in_force_between(self, first: datetime, end: datetime) -> list[SessionPrice]:
        """Every price of any session valid at some moment of [first, end): one scan, for the nightly
        demand regressors (``flows.demand_forecasting``); the ISO texts compare as the times do (UTC)."""
        found: list[SessionPrice] = []
        pages = self.client.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="begins_with(sku, :p) AND valid_from < :end AND valid_until > :first",
            ExpressionAttributeValues={
                ":p": {"S": PRICE_PREFIX}, ":first": {"S": first.isoformat()}, ":end": {"S": end.isoformat()},
            },
        )  # fmt: skip
        for page in pages:
            for item in page.get("Items", []):
                raw = from_attributes(item)
                session_id, sku = str(raw["sku"]).removeprefix(PRICE_PREFIX).rsplit("#", 1)
                found.append(_price(session_id, sku, raw))
        return found


def _price(session_id: str, sku: str, raw: dict[str, Any]) -> SessionPrice:
    return SessionPrice(
        sku=sku, session_id=session_id, price=raw["price"], kind=raw["kind"], set_by=raw["set_by"],
        valid_from=raw["valid_from"], valid_until=raw["valid_until"],
    )  # fmt: skip
