"""A market's passport ledger table: each batch's hash chain, its event marks and the day index.

One table, string keys ``pk`` / ``sk`` (boto3: the writes are conditional transactions over
items of several shapes, as for inventory):

* ``batch#<id>`` / ``entry#<seq, 10 digits>``: one chain entry; ``event`` is the canonical JSON
  that was hashed, kept as a string so the hash can be recomputed byte for byte;
* ``batch#<id>`` / ``event#<supplier_id>#<event_id>``: the event was appended (a redelivered event
  is not appended twice); scoped to its signer, so one supplier cannot take an id another then
  cannot use;
* ``batch#<id>`` / ``owner``: the supplier that opened the batch (its first event) or that the base
  granted it before; ``batch#<id>`` / ``grant#<supplier_id>``: a base-issued grant to another
  supplier (a customs broker, a warehouse) to add events to it. An event signed by anyone else is
  refused (:class:`NotOwner`, ``livebase.passport.owners``): no fork of another supplier's batch;
* ``day#<yyyy-mm-dd>`` / ``batch#<id>``: the batch changed that day (what the daily anchor reads);
* ``batch#<id>`` / ``anchor#<yyyy-mm-dd>``: the head the day's anchor committed to, and where.

An append is one transaction: the entry at ``head.seq + 1`` only if that position is free, the
event mark only if absent, and the signer's right to the batch (the owner item written if the
batch is new, else checked unchanged, or the signer's grant checked present). Two writers that
read the same head cannot both write: one transaction is cancelled, re-reads the head and appends
after the other's entry, so the chain never forks (``ChainConflict`` if that keeps failing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from livebase.aws import from_attributes, to_attributes
from livebase.passport.canonical import canonical_json
from livebase.passport.chain import AnchoredHead, ChainEntry, next_entry
from livebase.passport.events import SupplyEvent
from livebase.passport.owners import FOREIGN_BATCH, NotOwner, Owner

APPEND_ATTEMPTS = 8
_ENTRY, _EVENT, _ANCHOR, _OWNER, _GRANT = "entry#", "event#", "anchor#", "owner", "grant#"
_NOT_EXISTS = "attribute_not_exists(pk)"


class ChainConflict(RuntimeError):
    """The position an entry was computed for is taken: another writer appended first."""


@dataclass(frozen=True)
class Appended:
    entry: ChainEntry | None  # None: the event was already in the chain (duplicate)
    duplicate: bool = False
    attempts: int = 1


@dataclass(frozen=True)
class AnchorRecord:
    day: str
    root: str
    head: AnchoredHead
    key: str  # the anchor object in the anchor bucket
    version_id: str


def _batch(batch_id: str) -> str:
    return f"batch#{batch_id}"


def _entry_item(entry: ChainEntry, appended_at: str) -> dict[str, Any]:
    return to_attributes({
        "pk": _batch(entry.batch_id), "sk": f"{_ENTRY}{entry.seq:010d}", "batch_id": entry.batch_id,
        "seq": entry.seq, "event": canonical_json(entry.event).decode(), "event_id": entry.event_id,
        "event_hash": entry.event_hash, "prev_hash": entry.prev_hash, "entry_hash": entry.entry_hash,
        "appended_at": appended_at,
    })  # fmt: skip


def _entry(item: dict[str, Any]) -> ChainEntry:
    values = from_attributes(item)
    return ChainEntry(
        batch_id=str(values["batch_id"]), seq=int(values["seq"]), event=json.loads(values["event"]),
        event_hash=str(values["event_hash"]), prev_hash=str(values["prev_hash"]),
        entry_hash=str(values["entry_hash"]),
    )  # fmt: skip


def _cancellation_codes(error: ClientError) -> list[str]:
    reasons = error.response.get("CancellationReasons") or []
    return [str(r.get("Code", "None")) for r in reasons]


class LedgerStore:
    """The ledger table of one market (see the module docstring)."""

    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self.dynamodb, self.table = dynamodb, table_name

    def append(self, event: SupplyEvent, now: datetime) -> Appended:
        """Append ``event`` to its batch's chain once, if its signer may (see the module docstring);
        :class:`NotOwner` when the batch is another supplier's and no grant lets the signer in."""
        for attempt in range(1, APPEND_ATTEMPTS + 1):
            access = self._access(event.batch_id, event.supplier_id)
            entry = next_entry(self.head(event.batch_id), event)
            try:
                self._write(entry, now, access)
            except ChainConflict:
                continue
            except _Duplicate:
                return Appended(None, duplicate=True, attempts=attempt)
            return Appended(entry, attempts=attempt)
        raise ChainConflict(f"batch {event.batch_id}: position still taken after {APPEND_ATTEMPTS} attempts")

    def append_entry(self, entry: ChainEntry, now: datetime) -> None:
        """Write a computed entry: refused (``ChainConflict``) if its position is taken."""
        access = self._access(entry.batch_id, str(entry.event.get("supplier_id", "")))
        try:
            self._write(entry, now, access)
        except _Duplicate as duplicate:
            raise ChainConflict(f"event {entry.event_id} is already in the chain") from duplicate

    # ---- owners and grants -------------------------------------------------------------------------
    def owner(self, batch_id: str) -> Owner | None:
        item = self._get(batch_id, _OWNER)
        return None if item is None else Owner(str(item["supplier_id"]), str(item["source"]), str(item["since"]))

    def grants(self, batch_id: str) -> list[str]:
        """The suppliers the base granted this batch to (its owner aside)."""
        return sorted(str(from_attributes(item)["supplier_id"]) for item in self._query(_batch(batch_id), _GRANT))

    def grant(self, batch_id: str, supplier_id: str, now: datetime) -> Owner:
        """A base-issued grant: ``supplier_id`` may add events to the batch. A batch nobody opened yet
        becomes theirs (so nobody can squat it first); the batch's owner after."""
        item = to_attributes({
            "pk": _batch(batch_id), "sk": _OWNER, "supplier_id": supplier_id, "source": "grant",
            "since": now.isoformat(),
        })  # fmt: skip
        try:
            self.dynamodb.put_item(TableName=self.table, Item=item, ConditionExpression=_NOT_EXISTS)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        owner = self.owner(batch_id)
        assert owner is not None  # written above or before
        if owner.supplier_id != supplier_id:
            self.dynamodb.put_item(TableName=self.table, Item=to_attributes({
                "pk": _batch(batch_id), "sk": f"{_GRANT}{supplier_id}", "supplier_id": supplier_id,
                "since": now.isoformat(),
            }))  # fmt: skip
        return owner

    def _access(self, batch_id: str, signer: str) -> dict[str, Any]:
        """The transaction item that proves ``signer`` may append to the batch (raises NotOwner)."""
        owner = self.owner(batch_id)
        if owner is None:  # the first event opens the batch: its signer becomes the owner
            item = to_attributes({
                "pk": _batch(batch_id), "sk": _OWNER, "supplier_id": signer, "source": "first_event",
                "since": datetime.now(UTC).isoformat(),
            })  # fmt: skip
            return {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": _NOT_EXISTS}}
        if owner.supplier_id == signer:
            key, condition = _OWNER, "supplier_id = :signer"
        elif self._get(batch_id, f"{_GRANT}{signer}") is not None:
            key, condition = f"{_GRANT}{signer}", "supplier_id = :signer"
        else:
            raise NotOwner(FOREIGN_BATCH)
        return {"ConditionCheck": {
            "TableName": self.table, "Key": {"pk": {"S": _batch(batch_id)}, "sk": {"S": key}},
            "ConditionExpression": condition, "ExpressionAttributeValues": {":signer": {"S": signer}},
        }}  # fmt: skip

    def _get(self, batch_id: str, sk: str) -> dict[str, Any] | None:
        item = self.dynamodb.get_item(
            TableName=self.table, Key={"pk": {"S": _batch(batch_id)}, "sk": {"S": sk}}, ConsistentRead=True
        ).get("Item")
        return None if item is None else from_attributes(item)

    def _write(self, entry: ChainEntry, now: datetime, access: dict[str, Any]) -> None:
        at = now.isoformat()
        day = now.date().isoformat()
        pk = {"S": _batch(entry.batch_id)}
        signer = str(entry.event.get("supplier_id", ""))
        mark = {"pk": pk, "sk": {"S": f"{_EVENT}{signer}#{entry.event_id}"}, "seq": {"N": str(entry.seq)}}
        index = to_attributes({
            "pk": f"day#{day}", "sk": _batch(entry.batch_id), "batch_id": entry.batch_id,
            "head": entry.entry_hash, "length": entry.seq + 1, "updated_at": at,
        })  # fmt: skip
        try:
            self.dynamodb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": _NOT_EXISTS}}
                    for item in (_entry_item(entry, at), mark)
                ] + [
                    access,
                    {"Put": {"TableName": self.table, "Item": index}},
                ]
            )  # fmt: skip
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(error)
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise _Duplicate(entry.event_id) from error
            if codes and codes[0] == "ConditionalCheckFailed":
                raise ChainConflict(f"batch {entry.batch_id}: position {entry.seq} is taken") from error
            if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":  # opened or granted meanwhile: read again
                raise ChainConflict(f"batch {entry.batch_id}: its owner changed while appending") from error
            raise

    def head(self, batch_id: str) -> ChainEntry | None:
        response = self.dynamodb.query(
            TableName=self.table, ConsistentRead=True, ScanIndexForward=False, Limit=1,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :entry)",
            ExpressionAttributeValues={":pk": {"S": _batch(batch_id)}, ":entry": {"S": _ENTRY}},
        )  # fmt: skip
        items = response.get("Items", [])
        return _entry(items[0]) if items else None

    def entries(self, batch_id: str) -> list[ChainEntry]:
        """The batch's chain in ledger order (empty if the batch is unknown)."""
        return [_entry(item) for item in self._query(_batch(batch_id), _ENTRY)]

    def batches_of_day(self, day: str) -> list[str]:
        """The batches whose chain changed on ``day`` (ISO date, UTC)."""
        return sorted(str(from_attributes(item)["batch_id"]) for item in self._query(f"day#{day}", _batch("")))

    def record_anchor(self, batch_id: str, day: str, root: str, head: AnchoredHead, key: str, version_id: str) -> None:
        """What the day's anchor committed to for this batch, and the anchor object's version."""
        self.dynamodb.put_item(TableName=self.table, Item=to_attributes({
            "pk": _batch(batch_id), "sk": f"{_ANCHOR}{day}", "root": root, "head": head.head_hash,
            "length": head.length, "key": key, "version_id": version_id,
        }))  # fmt: skip

    def latest_anchor(self, batch_id: str) -> AnchorRecord | None:
        response = self.dynamodb.query(
            TableName=self.table, ScanIndexForward=False, Limit=1,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :anchor)",
            ExpressionAttributeValues={":pk": {"S": _batch(batch_id)}, ":anchor": {"S": _ANCHOR}},
        )  # fmt: skip
        items = response.get("Items", [])
        if not items:
            return None
        v = from_attributes(items[0])
        head = AnchoredHead(str(v["head"]), int(v["length"]))
        return AnchorRecord(
            str(v["sk"]).removeprefix(_ANCHOR), str(v["root"]), head, str(v["key"]), str(v["version_id"])
        )

    def _query(self, pk: str, prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
        }  # fmt: skip
        while True:
            response = self.dynamodb.query(**request)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


class _Duplicate(Exception):
    """The event's mark exists: it was appended before."""
