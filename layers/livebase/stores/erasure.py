"""Erase one viewer from every store of their market, then scan again and write the receipt.

Stores (all in the market's region, clients of that region only):
- Orders: unlinked (``OrderStore.erase_viewer``: the sale stays, ``viewer_id`` becomes ``erased``);
- Idempotency: the records of those orders (powertools key ``order_placed#md5(order id)``) and any
  record whose stored data names the viewer;
- Consent: every purpose's record;
- RoomMetrics: the viewer's 64-bit digest dropped from the viewers / buyers sets of every total
  (conditional on the item read, retried when ingest wrote in between);
- the data lake: every version of every quarantined record naming them (``quarantine/<market>/``)
  deleted; recall lists (``recall/<market>/``) rewritten without them and their older versions
  deleted;
- the dead-letter queues: every message naming them deleted (``livebase.stores.erasure_queues``).
"Naming" is decided on what the store holds decoded (``livebase.privacy.erasure.mentions``: JSON
escapes, base64 records, gzip), not on the raw bytes alone. Then every store is scanned again
(``remaining``, which must be all zero; DLQ messages in flight are ``unscanned``) and the receipt
goes to ``erasure/<market>/<request id>.json`` in the same lake: complete only when that scan found
nothing, else incomplete with the counts by store (never a value). What cannot be erased in place
(the stream's records) is named in the receipt with when it expires.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3

from livebase.aws import conditional_write, read_json, retry_config
from livebase.batches.quarantine import QUARANTINE_PREFIX
from livebase.live.room_metrics import pack_hashes, unpack_hashes, viewer_hash
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.privacy.erasure import (
    FAILED,
    QUEUED,
    RUNNING,
    ErasureReceipt,
    check_viewer_key,
    mentions,
    receipt_key,
    receipt_status,
    request_id,
    status_key,
    subject_digest,
    without_viewer,
)
from livebase.privacy.retention import RECALL_PREFIX
from livebase.stores.consent import ConsentStore
from livebase.stores.erasure_queues import DeadLetterErasure, dlq_urls
from livebase.stores.orders import OrderStore

ORDER_IDEMPOTENCY_PREFIX = "order_placed"  # functions/orders/handler.py: key_prefix of accept_order
ROOM_SET_ATTRIBUTES = ("viewers", "buyers")
ATTEMPTS = 5  # conditional rewrites of one room total before giving up (reported as remaining)
StoreDone = Callable[[str, int], None]  # (store, items removed): told after each store (a CLI's progress)


def idempotency_id(prefix: str, value: Any) -> str:
    """The powertools idempotency key of ``value`` (its default md5 over sorted JSON)."""
    return f"{prefix}#{hashlib.md5(json.dumps(value, sort_keys=True).encode()).hexdigest()}"


class ViewerErasure:
    """Erasure in one market (``resources``: its stack's names; ``session``: a boto3 session)."""

    def __init__(self, market: Market, resources: MarketResources, session: Any | None = None) -> None:
        if market.id != resources.market:
            raise ValueError(f"market: config {market.id!r} and resources {resources.market!r} disagree")
        session = session or boto3.Session(region_name=resources.region)
        self.market, self.resources = market, resources
        self.dynamodb = session.client("dynamodb", region_name=resources.region, config=retry_config())
        self.s3 = session.client("s3", region_name=resources.region, config=retry_config())
        self.orders = OrderStore.for_market(resources, retention_days=market.retention.orders_days)
        self.consent = ConsentStore(self.dynamodb, resources.consent_table)
        self.queues = DeadLetterErasure(session.client("sqs", region_name=resources.region), dlq_urls(resources))
        self.prefixes = {
            "quarantine": f"{QUARANTINE_PREFIX}/{market.id}/",
            "recall_lists": f"{RECALL_PREFIX}/{market.id}/",
        }

    # ---- the request -----------------------------------------------------------------------------
    def erase(self, viewer_key: str, now: datetime | None = None, done: StoreDone | None = None) -> ErasureReceipt:
        """Remove the viewer everywhere, scan again, write the receipt to the lake; the receipt.

        ``done`` hears each store as it is finished (a scan of a busy store takes seconds)."""
        viewer_key = check_viewer_key(viewer_key)
        at = now or datetime.now(UTC)
        receipt = ErasureReceipt(
            self.market.id, request_id(self.market.id, viewer_key, at), subject_digest(viewer_key), at
        )
        tell = done or (lambda store, count: None)

        def removed(store: str, where: list[str]) -> None:
            receipt.removed[store] = where
            tell(store, len(where))

        order_ids = self.orders.erase_viewer(viewer_key)
        removed("orders", [f"{self.resources.orders_table}/{o}" for o in order_ids])
        removed("idempotency", self._erase_idempotency(viewer_key, order_ids))
        consent = [f"{self.resources.consent_table}/{r.purpose.value}" for r in self.consent.records_of(viewer_key)]
        self.consent.erase(viewer_key)
        removed("consent", consent)
        removed("room_metrics", self._erase_room_sets(viewer_key))
        removed("quarantine", self._erase_objects(self.prefixes["quarantine"], viewer_key, rewrite=False))
        removed("recall_lists", self._erase_objects(self.prefixes["recall_lists"], viewer_key, rewrite=True))
        removed("dead_letter_queues", self.queues.sweep(viewer_key, delete=True).naming)
        receipt.remaining, receipt.unscanned = self._scan_after(viewer_key)
        tell("still found by a scan after", sum(receipt.remaining.values()))
        receipt.not_erasable = {
            "live_event_stream": "records expire with the stream's retention (24 hours)",
        }
        body = json.dumps(receipt.to_json(), indent=2).encode("utf-8")
        self.s3.put_object(
            Bucket=self.resources.data_lake_bucket, Key=receipt.key, Body=body, ContentType="application/json"
        )
        return receipt

    def find(self, viewer_key: str) -> dict[str, int]:
        """What every store still holds about the viewer (a count per store): the proof after."""
        return self._scan_after(viewer_key)[0]

    def _scan_after(self, viewer_key: str) -> tuple[dict[str, int], dict[str, int]]:
        """(count naming the viewer, count that could not be looked at) per store."""
        hashed = viewer_hash(viewer_key)
        queues = self.queues.sweep(viewer_key, delete=False)
        unscanned = {"dead_letter_queues": queues.unscanned} if queues.unscanned else {}
        return {
            "orders": sum(1 for o in self.orders.all_orders() if o.viewer_id == viewer_key),
            "idempotency": len(self._idempotency_naming(viewer_key)),
            "consent": len(self.consent.records_of(viewer_key)),
            "room_metrics": sum(1 for _ in self._room_items_with(hashed)),
            "quarantine": len(self._versions_naming(self.prefixes["quarantine"], viewer_key)),
            "recall_lists": len(self._versions_naming(self.prefixes["recall_lists"], viewer_key)),
            "dead_letter_queues": len(queues.naming),
        }, unscanned

    # ---- DynamoDB --------------------------------------------------------------------------------
    def _idempotency_naming(self, viewer_key: str) -> list[dict[str, Any]]:
        """Records whose stored data names the viewer, decoded (a JSON-escaped id is no raw substring)."""
        items = self._scan(
            self.resources.idempotency_table, ProjectionExpression="id, #d", ExpressionAttributeNames={"#d": "data"}
        )
        return [item for item in items if "data" in item and mentions(_attribute_bytes(item["data"]), viewer_key)]

    def _erase_idempotency(self, viewer_key: str, order_ids: list[str]) -> list[str]:
        ids = {idempotency_id(ORDER_IDEMPOTENCY_PREFIX, order_id) for order_id in order_ids}
        ids |= {item["id"]["S"] for item in self._idempotency_naming(viewer_key)}
        removed = []
        for key in sorted(ids):
            reply = self.dynamodb.delete_item(
                TableName=self.resources.idempotency_table, Key={"id": {"S": key}}, ReturnValues="ALL_OLD"
            )
            if "Attributes" in reply:
                removed.append(f"{self.resources.idempotency_table}/{key}")
        return removed

    def _room_items_with(self, hashed: int) -> Iterator[dict[str, Any]]:
        for item in self._scan(
            self.resources.room_metrics_table,
            FilterExpression="attribute_exists(viewers) OR attribute_exists(buyers)",
            ProjectionExpression="pk, sk, viewers, buyers, last_seq_key",
        ):
            if any(a in item and hashed in unpack_hashes(item[a]["B"]) for a in ROOM_SET_ATTRIBUTES):
                yield item

    def _erase_room_sets(self, viewer_key: str) -> list[str]:
        hashed = viewer_hash(viewer_key)
        removed = []
        for item in self._room_items_with(hashed):
            for _ in range(ATTEMPTS):
                if self._drop_hash(item, hashed):
                    removed.append(f"{self.resources.room_metrics_table}/{item['pk']['S']}/{item['sk']['S']}")
                    break
                fresh = self.dynamodb.get_item(
                    TableName=self.resources.room_metrics_table,
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    ConsistentRead=True,
                ).get("Item")
                if fresh is None:
                    break
                item = fresh
        return removed

    def _drop_hash(self, item: dict[str, Any], hashed: int) -> bool:
        sets, removes, values = [], [], {}
        for name in ROOM_SET_ATTRIBUTES:
            if name not in item:
                continue
            kept = set(unpack_hashes(item[name]["B"])) - {hashed}
            if kept:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = {"B": pack_hashes(kept)}
            else:
                removes.append(name)
        expression = " ".join(part for part in (
            f"SET {', '.join(sets)}" if sets else "", f"REMOVE {', '.join(removes)}" if removes else "",
        ) if part)  # fmt: skip
        condition = "last_seq_key = :seen" if "last_seq_key" in item else "attribute_not_exists(last_seq_key)"
        if "last_seq_key" in item:
            values[":seen"] = item["last_seq_key"]
        return conditional_write(
            self.dynamodb.update_item,
            TableName=self.resources.room_metrics_table,
            Key={"pk": item["pk"], "sk": item["sk"]},
            UpdateExpression=expression,
            ConditionExpression=condition,
            **({"ExpressionAttributeValues": values} if values else {}),
        )

    def _scan(self, table: str, **request: Any) -> Iterator[dict[str, Any]]:
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=table, **request):
            yield from page.get("Items", [])

    # ---- the data lake (versioned: every version that names the viewer goes) ----------------------
    def _versions(self, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.resources.data_lake_bucket, Prefix=prefix):
            yield from page.get("Versions", [])

    def _body(self, key: str, version_id: str) -> bytes:
        reply = self.s3.get_object(Bucket=self.resources.data_lake_bucket, Key=key, VersionId=version_id)
        return bytes(reply["Body"].read())

    def _versions_naming(self, prefix: str, viewer_key: str) -> list[dict[str, Any]]:
        return [v for v in self._versions(prefix) if mentions(self._body(v["Key"], v["VersionId"]), viewer_key)]

    def _erase_objects(self, prefix: str, viewer_key: str, *, rewrite: bool) -> list[str]:
        """Delete every version naming the viewer; with ``rewrite``, first put the latest back without them."""
        naming = self._versions_naming(prefix, viewer_key)
        bucket = self.resources.data_lake_bucket
        overwritten: set[tuple[str, str]] = set()  # an unversioned object's rewrite replaced it in place
        if rewrite:
            for version in naming:
                if version.get("IsLatest"):
                    body = rewritten_without(self._body(version["Key"], version["VersionId"]), viewer_key)
                    if body is not None:  # else no document could be kept: the version goes whole
                        put = self.s3.put_object(
                            Bucket=bucket, Key=version["Key"], Body=body, ContentType="application/json"
                        )
                        overwritten.add((version["Key"], str(put.get("VersionId") or "null")))
        for version in naming:
            if (version["Key"], str(version["VersionId"])) not in overwritten:
                self.s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
        if not rewrite:  # a quarantined record of the viewer goes whole: drop what hides its key too
            keys = {v["Key"] for v in naming}
            for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
                for marker in page.get("DeleteMarkers", []):
                    if marker["Key"] in keys:
                        self.s3.delete_object(Bucket=bucket, Key=marker["Key"], VersionId=marker["VersionId"])
        return sorted({f"s3://{bucket}/{v['Key']}" for v in naming})


def _attribute_bytes(value: dict[str, Any]) -> bytes:
    """A DynamoDB attribute value's content: a string, binary (gzip, say), or anything else as JSON."""
    if "S" in value:
        return str(value["S"]).encode("utf-8")
    if "B" in value:
        return bytes(value["B"])
    return json.dumps(value, default=str).encode("utf-8")


def rewritten_without(body: bytes, viewer_key: str) -> bytes | None:
    """A JSON (or JSON lines; gzip kept) document again without the viewer: list entries naming them
    left out, a line naming them dropped. None when it is not JSON or still names them elsewhere (a
    field of its own): then the version goes whole."""
    zipped = body[:2] == b"\x1f\x8b"
    text = (gzip.decompress(body) if zipped else body).decode("utf-8", errors="replace")
    try:
        out = json.dumps(without_viewer(json.loads(text), viewer_key))
    except ValueError:
        try:
            documents = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            return None
        lines = [json.dumps(without_viewer(document, viewer_key)) for document in documents]
        out = "\n".join(line for line in lines if not mentions(line.encode("utf-8"), viewer_key))
    encoded = out.encode("utf-8")
    if mentions(encoded, viewer_key):
        return None
    return gzip.compress(encoded) if zipped else encoded


class ErasureRequests:
    """Asynchronous erasure requests of one market: their progress beside the receipts in its data lake.

    ``POST /erasures`` queues (a status object, then the worker is invoked); the worker marks it
    running, and the receipt it writes is the final word (complete, nothing found, incomplete).
    No viewer in any of them: the receipt id is a timestamp and a digest."""

    def __init__(self, s3: Any, bucket: str, market: str) -> None:
        self.s3, self.bucket, self.market = s3, bucket, market

    def queue(self, viewer_key: str, at: datetime) -> str:
        """Record a request as queued; its receipt id (the id the erasure's receipt will carry)."""
        receipt_id = request_id(self.market, check_viewer_key(viewer_key), at)
        self._put(receipt_id, QUEUED, requested_at=at.astimezone(UTC).isoformat())
        return receipt_id

    def mark_running(self, receipt_id: str) -> None:
        self._put(receipt_id, RUNNING)

    def mark_failed(self, receipt_id: str, reason: str) -> None:
        self._put(receipt_id, FAILED, reason=reason)

    def status(self, receipt_id: str) -> dict[str, Any] | None:
        """``{"receipt", "status", ...}``: from the receipt once written, else the progress; None if unknown."""
        receipt = self._get(receipt_key(self.market, receipt_id))
        if receipt is not None:
            return {"receipt": receipt_id, "status": receipt_status(receipt), **receipt}
        progress = self._get(status_key(self.market, receipt_id))
        return None if progress is None else {"receipt": receipt_id, **progress}

    def _put(self, receipt_id: str, status: str, **fields: str) -> None:
        body = json.dumps({"status": status, "at": datetime.now(UTC).isoformat(), **fields}).encode("utf-8")
        key = status_key(self.market, receipt_id)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def _get(self, key: str) -> dict[str, Any] | None:
        document: dict[str, Any] | None = read_json(self.s3, self.bucket, key)
        return document
