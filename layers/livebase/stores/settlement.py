"""A market's settlement ledger table: one item per transaction, one head per order.

String keys ``pk`` / ``sk`` (boto3: conditional transactions over items of two shapes):

* ``txn#<txn id>`` / ``txn``: one balanced transaction (``entries`` as JSON: account key, amount
  as text), with its ``day`` (the booking day, UTC): the ``by_day`` index (``day`` / ``txn_id``)
  is what period statements read;
* ``order#<order id>`` / ``head``: what the ledger posted for the order (the transactions' ids,
  the refunded amount it caught up with) and its ``version``;
* ``po#<po id>`` / ``head``: the same for a purchase order (the received value it caught up with).

An order's catch-up is one ``TransactWriteItems``: every new transaction only if its id is absent,
and the head only at the version it was computed from. A redelivered event computes nothing new
(or, raced, is cancelled and computes again from the new head), so nothing is posted twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from livebase.aws import TransientError, from_attributes, to_attributes
from livebase.settlement.accounts import Account, Entry, Kind, Transaction
from livebase.settlement.fees import FeeSchedule
from livebase.settlement.postings import OrderFacts, Posted, order_catch_up, po_received, session_fee, session_fee_id

DAY_INDEX = "by_day"
POST_ATTEMPTS = 6
_TXN, _HEAD = "txn", "head"
_ABSENT = "attribute_not_exists(pk)"


class LedgerContention(TransientError):
    """The order's head kept changing under this writer: redeliver the event."""


def _txn_key(txn_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"txn#{txn_id}"}, "sk": {"S": _TXN}}


def _head_key(owner: str) -> dict[str, Any]:
    """``owner``: ``order#<id>`` or ``po#<id>``."""
    return {"pk": {"S": owner}, "sk": {"S": _HEAD}}


def transaction_item(t: Transaction) -> dict[str, Any]:
    entries = json.dumps([[e.account.key, str(e.amount)] for e in t.entries], separators=(",", ":"))
    return to_attributes({
        "pk": f"txn#{t.txn_id}", "sk": _TXN, "txn_id": t.txn_id, "kind": t.kind.value, "market": t.market,
        "currency": t.currency, "booked_at": t.booked_at.isoformat(), "day": t.day, "order_id": t.order_id or None,
        "entries": entries,
    })  # fmt: skip


def transaction_of(item: dict[str, Any]) -> Transaction:
    v = from_attributes(item)
    entries = tuple(Entry(Account.parse(key), Decimal(amount)) for key, amount in json.loads(v["entries"]))
    return Transaction(
        str(v["txn_id"]), Kind(v["kind"]), str(v["market"]), str(v["currency"]),
        datetime.fromisoformat(str(v["booked_at"])), entries, str(v.get("order_id", "")),
    )  # fmt: skip


class SettlementStore:
    """The ledger table of one market (see the module docstring)."""

    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self.dynamodb, self.table = dynamodb, table_name

    def head(self, order_id: str, kind: str = "order") -> Posted:
        key = _head_key(f"{kind}#{order_id}")
        item = self.dynamodb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        if not item:
            return Posted()
        v = from_attributes(item)
        return Posted(frozenset(json.loads(v["keys"])), Decimal(v["refunded_to"]), int(v["version"]))

    def exists(self, txn_id: str) -> bool:
        found = self.dynamodb.get_item(TableName=self.table, Key=_txn_key(txn_id), ConsistentRead=True)
        return "Item" in found

    def post_order(self, facts: OrderFacts, fees: FeeSchedule, now: datetime) -> list[Transaction]:
        """Catch the order's ledger up with its record (once however often called); what was posted."""
        for _ in range(POST_ATTEMPTS):
            posted = self.head(facts.order_id)
            catch_up = order_catch_up(facts, fees, posted, now)
            if catch_up.posted == posted:
                return []
            new = list(catch_up.transactions)
            if any(t.kind is Kind.ACCEPTED for t in new) and not self.exists(session_fee_id(facts.session_id)):
                new.append(session_fee(facts, fees, now))
            if self._write(f"order#{facts.order_id}", new, posted, catch_up.posted):
                return new
        raise LedgerContention(f"order {facts.order_id}: its ledger head changed under {POST_ATTEMPTS} attempts")

    def post_received(
        self, po_id: str, supplier: str, market: str, currency: str, received_value: Decimal, now: datetime
    ) -> list[Transaction]:
        """Catch the PO's ledger up with the value its record says was received (at its unit costs)."""
        for _ in range(POST_ATTEMPTS):
            posted = self.head(po_id, "po")
            if received_value == posted.refunded_to:
                return []
            delta = received_value - posted.refunded_to
            new = [po_received(f"{po_id}:{received_value}", supplier, market, currency, delta, now)]
            after = Posted(posted.keys | {new[0].txn_id}, received_value, posted.version + 1)
            if self._write(f"po#{po_id}", new, posted, after):
                return new
        raise LedgerContention(f"purchase order {po_id}: its ledger head changed under {POST_ATTEMPTS} attempts")

    def post(self, transaction: Transaction) -> bool:
        """One transaction of no order (a PO received); False when its id was posted before."""
        try:
            self.dynamodb.put_item(
                TableName=self.table, Item=transaction_item(transaction), ConditionExpression=_ABSENT
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _write(self, owner: str, new: list[Transaction], before: Posted, after: Posted) -> bool:
        head = to_attributes({
            "pk": owner, "sk": _HEAD, "keys": json.dumps(sorted(after.keys)),
            "refunded_to": str(after.refunded_to), "version": after.version,
        })  # fmt: skip
        guard: dict[str, Any] = {"ConditionExpression": _ABSENT}
        if before.version:
            guard = {
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(before.version)}},
            }
        items = [
            {"Put": {"TableName": self.table, "Item": transaction_item(t), "ConditionExpression": _ABSENT}} for t in new
        ]
        try:
            self.dynamodb.transact_write_items(
                TransactItems=[*items, {"Put": {"TableName": self.table, "Item": head, **guard}}]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = [str(r.get("Code", "None")) for r in error.response.get("CancellationReasons") or []]
            if "ConditionalCheckFailed" in codes:
                return False  # another writer first (this order's head, or the session's fee): compute again
            raise
        return True

    def transactions_of(self, days: list[str]) -> list[Transaction]:
        """The transactions booked on ``days`` (ISO dates, UTC), through the day index."""
        found: list[Transaction] = []
        for day in days:
            request: dict[str, Any] = {
                "TableName": self.table, "IndexName": DAY_INDEX, "KeyConditionExpression": "#d = :d",
                "ExpressionAttributeNames": {"#d": "day"}, "ExpressionAttributeValues": {":d": {"S": day}},
            }  # fmt: skip
            found += [transaction_of(item) for item in self._pages("query", request)]
        return found

    def all_transactions(self) -> list[Transaction]:
        """Every transaction of the ledger (a whole scan: audits and small ledgers)."""
        request: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True, "FilterExpression": "sk = :t",
            "ExpressionAttributeValues": {":t": {"S": _TXN}},
        }  # fmt: skip
        return [transaction_of(item) for item in self._pages("scan", request)]

    def _pages(self, operation: str, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        call = getattr(self.dynamodb, operation)
        while True:
            response = call(**request)
            yield from response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            request = {**request, "ExclusiveStartKey": response["LastEvaluatedKey"]}
