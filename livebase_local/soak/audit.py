"""After a soak run: what the stream, tables, queues and buckets hold, compared with what the producer put.

Nothing here trusts the runner's counters. Per market:

* **stream**: every record read back from ``TRIM_HORIZON``; an acknowledged record (by data
  digest) missing from it is lost (Kinesis durability across its restart). A record stored more
  often than acknowledged is a producer retry duplicate, which consumers may count once or twice.
* **ingest**: each record is admitted or refused again here (:func:`livebase.live.admission.admit`,
  with its own arrival time). A refused record must have its quarantine object; an admitted
  one must be in its (room, minute, shard) total: the stored sum of joins, leaves, comments,
  likes, shares, carts, cancellations and refunds must lie between the records' weights counted
  once and counted with the stream's duplicates. Below is lost; above is counted twice.
  Records quarantined by the handler (``ProcessingFailed``) are not expected in a total; records
  named in an on-failure (DLQ) message may or may not be (the function may have failed after its
  writes): both are accounted for, with a reason.
* **orders**: each admitted ``order_placed`` must be in the orders table (or quarantined / in the
  orders DLQ).
* **stock** (:mod:`livebase_local.soak.stock_audit`): per SKU, on hand against receipts - shipped +
  restocked and reserved against the open reservations (phantom units); units reserved beyond the
  reservation records, or restocked beyond what an order shipped, are applied twice; units held or
  shipped beyond what came in, or negative available stock, are oversold.
* **alerts**: the room-alert signals queue (a target of the bus rule) drained; an alert (kind,
  room, minute, language / edge) delivered more than once is duplicated; alert marks in the room
  table without a delivered alert are counted as lost alerts.
* **DLQs**: every message on the ingest and orders DLQs must say why (a quarantine message's
  ``reason``, an on-failure message's ``errorMessage`` and condition), and so must every message on
  the order-message queues' DLQs (the consumer's reason attribute). On-failure ranges still on a DLQ
  after the soak's replay are ``parked_after_replay``; the records of ranges parked before it were
  put back on the stream, so their copies must be counted, unless ingest had counted them before
  the batch failed: then the replay leaves them off, and the original must be in its total (a
  total holding an original and its copy is ``parked_counted_twice``).
* **after-sale lives** (:mod:`livebase_local.soak.lives`): every driven order ends as planned and
  every hostile message is refused with a reason.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import boto3

from livebase.batches.quarantine import QUARANTINE_PREFIX, REASON_ATTRIBUTE
from livebase.live.admission import Admitted, admit
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.signals import parse_event
from livebase.signals.rooms import RoomAlert
from livebase.stores.room_keys import minute_key
from livebase_local.soak.parked import Parked
from livebase_local.soak.producer import Produced, digest
from livebase_local.soak.stock_audit import StockBooks

WEIGHTED = {"viewer_joined", "viewer_left", "comment", "share", "add_to_cart", "order_cancelled", "refund"}
# Every comment lands in exactly one of shown / hidden / held (moderation, issue 32): the three together
TOTAL_FIELDS = ("joins", "leaves", "comments", "hidden_comments", "held_comments", "likes", "shares", "add_to_cart",
                "cancellations", "refunds")  # fmt: skip
NAMED = 20  # records named per finding


@dataclass
class Findings:
    counts: Counter[str] = field(default_factory=Counter)
    named: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, amount: int, what: str) -> None:
        self.counts[name] += amount
        if amount and len(self.named[name]) < NAMED:
            self.named[name].append(what)


@dataclass
class _Room:
    """One (room, minute, shard): (seq, weight, duplicate) of the records the total should hold."""

    records: list[tuple[int, int, bool]] = field(default_factory=list)


def read_stream(kinesis: Any, stream: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        shard_id = shard["ShardId"]
        iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")
        iterator = iterator["ShardIterator"]
        while iterator:
            reply = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            yield from ((shard_id, record) for record in reply["Records"])
            if not reply["Records"] and reply.get("MillisBehindLatest", 0) == 0:
                break
            iterator = reply.get("NextShardIterator")


def drain_queue(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Every message on the queue (received and deleted), as parsed JSON bodies."""
    bodies, empty = [], 0
    while empty < 2:
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = reply.get("Messages", [])
        empty = 0 if messages else empty + 1
        for message in messages:
            try:
                bodies.append(json.loads(message["Body"]))
            except ValueError:
                bodies.append({"unparsed": message["Body"][:200]})
        if messages:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)
    return bodies


def _quarantined(s3: Any, bucket: str, market: str, consumer: str) -> set[tuple[str, int]]:
    found = set()
    prefix = f"{QUARANTINE_PREFIX}/{market}/{consumer}/"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            shard, _, name = item["Key"].removeprefix(prefix).partition("/")
            if name.removesuffix(".json").isdigit():  # <shard>/<seq>.json; other keepers file elsewhere
                found.add((shard, int(name.removesuffix(".json"))))
    return found


def _dlq(sqs: Any, url: str, findings: Findings, label: str) -> list[tuple[str, int, int]]:
    """The DLQ's parked ranges (on-failure messages); unexplained messages go to the findings."""
    parked = []
    for body in drain_queue(sqs, url):
        info = body.get("KinesisBatchInfo")
        if isinstance(info, dict):
            start, end = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
            parked.append((str(info["shardId"]), start, end))
            findings.counts["dlq_parked_records"] += end - start + 1
            reason = body.get("errorMessage") and body.get("requestContext", {}).get("condition")
            what = f"{label} on-failure {info['shardId']} {start}-{end}"
        else:
            reason = body.get("reason") and body.get("condition")
            findings.counts["dlq_quarantine_messages"] += 1
            what = f"{label} message {str(body.get('quarantineObject') or body)[:120]}"
        if not reason:
            findings.add("dlq_unexplained", 1, what)
    return parked


def _queue_dlq(sqs: Any, url: str, findings: Findings, label: str) -> None:
    """An order-message queue's DLQ: what the consumer refused carries its reason; anything else is unexplained."""
    empty = 0
    while empty < 2:
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        messages = reply.get("Messages", [])
        empty = 0 if messages else empty + 1
        for message in messages:
            findings.counts["order_messages_on_dlq"] += 1
            if REASON_ATTRIBUTE not in message.get("MessageAttributes", {}):
                findings.add("dlq_unexplained", 1, f"{label} message {message['Body'][:120]}")
        if messages:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def _parked(parked: list[tuple[str, int, int]], shard: str, seq: int) -> bool:
    return any(s == shard and start <= seq <= end for s, start, end in parked)


def _scan(table: Any) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {}
    while True:
        page = table.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def audit_market(
    market: Market,
    resources: MarketResources,
    produced: Produced,
    stock: dict[str, int],
    findings: Findings,
    replayed: Parked | None = None,
) -> None:
    """Add one market's counts to ``findings`` (see the module docstring); ``replayed``: what was
    parked on the DLQs before the replay (its records' copies on the stream must be counted)."""
    session = boto3.Session(region_name=resources.region)
    kinesis, s3, sqs = session.client("kinesis"), session.client("s3"), session.client("sqs")
    dynamodb = session.resource("dynamodb")
    m = market.id
    stored: Counter[int] = Counter()
    rooms: dict[tuple[str, str], _Room] = defaultdict(_Room)
    refused: list[tuple[str, int]] = []
    orders: dict[str, tuple[str, int]] = {}
    before = replayed or Parked()
    parked_digests: set[int] = set()
    originals_parked: dict[tuple[str, int], int] = {}  # (shard, seq) of a parked original -> its digest
    copied: set[int] = set()  # digests the replay put back
    copies = 0
    for shard, record in read_stream(kinesis, resources.stream_name):
        data, seq = record["Data"], int(record["SequenceNumber"])
        key = digest(data)
        stored[key] += 1
        original = _parked(before.ingest, shard, seq)
        parked_digests.update([key] if original else [])
        copy = not original and key in parked_digests  # put back by the replay: ingest must count it
        copies += copy
        if original:
            originals_parked[(shard, seq)] = key
        elif copy:
            copied.add(key)
        arrival = record["ApproximateArrivalTimestamp"].astimezone(UTC)
        admission = admit(data, market, arrival)
        if not isinstance(admission, Admitted):
            refused.append((shard, seq))
            continue
        event = admission.event
        if event.type == "order_placed":
            orders.setdefault(event.order_id, (shard, seq))
        weight = getattr(event, "count", 1) if event.type == "like" else int(event.type in WEIGHTED)
        if weight:
            room_key = minute_key(event.room_id, event.ts.replace(second=0, microsecond=0), shard)
            rooms[(room_key["pk"], room_key["sk"])].records.append((seq, weight, stored[key] > 1 and not copy))
    findings.counts["stream_records"] += sum(stored.values())
    for key, count in produced.digests.items():
        if stored[key] < count:
            findings.add(
                "records_lost", count - stored[key], f"{m}: acknowledged record (digest {key:016x}) not in the stream"
            )
    findings.counts["stream_duplicates"] += sum(max(0, stored[k] - produced.digests.get(k, 0)) for k in stored) - copies
    findings.counts["replayed_records_in_stream"] += copies

    quarantined = _quarantined(s3, resources.data_lake_bucket, m, "ingest")
    order_quarantine = _quarantined(s3, resources.data_lake_bucket, m, "orders")
    parked = _dlq(sqs, resources.ingest_dlq_url, findings, f"{m} ingest DLQ")
    order_parked = _dlq(sqs, resources.orders_dlq_url, findings, f"{m} orders DLQ")
    for name, url in (("shipment-updates", resources.shipment_updates_dlq_url),
                      ("order-returns", getattr(resources, "order_returns_dlq_url", ""))):  # fmt: skip
        if url:
            _queue_dlq(sqs, url, findings, f"{m} {name} DLQ")
    findings.counts["quarantined_records"] += len(quarantined)
    parked = [*parked, *before.ingest]  # an original may or may not be in a total; its copy must be
    for shard, seq in refused:
        if (shard, seq) not in quarantined and not _parked(parked, shard, seq):
            findings.add("records_lost", 1, f"{m}: refused record {shard}/{seq} neither quarantined nor in the DLQ")

    left_off = {original for original, key in originals_parked.items() if key not in copied}
    room_table = dynamodb.Table(resources.room_metrics_table)
    totals: dict[tuple[str, str], int] = {}
    marks: Counter[tuple[str, str]] = Counter()
    for item in _scan(room_table):
        pk, sk = str(item["pk"]), str(item["sk"])
        if sk.startswith("MIN#") and "#PART#" in sk:
            totals[(pk, sk)] = sum(int(item.get(name, 0)) for name in TOTAL_FIELDS)
        elif sk.startswith("ALERT#"):
            marks[(pk.removeprefix("ROOM#"), sk.split("#")[1])] += 1
    for (pk, sk), room in rooms.items():
        shard = sk.rpartition("#PART#")[2]
        # A record named in an on-failure message may still have been counted (the function failed
        # after its writes), as may a producer's duplicate: each may be in the total, or not. One the
        # replay left off the stream (ingest had counted it: no copy) must be in the total.
        kept = [(s, w, d or (_parked(parked, shard, s) and (shard, s) not in left_off))
                for s, w, d in room.records if (shard, s) not in quarantined]  # fmt: skip
        low = sum(w for _, w, maybe in kept if not maybe)
        high = sum(w for _, w, _ in kept)
        total = totals.get((pk, sk), 0)
        seqs = f"{kept[0][0]}-{kept[-1][0]}" if kept else "-"
        if total < low:
            findings.add("records_lost", 1, f"{m}: {pk} {sk} (records {seqs}) holds {total}, expected {low}")
        elif total > high:
            findings.add("room_totals_counted_twice", 1, f"{m}: {pk} {sk} holds {total}, at most {high}")
        # The replay put parked records back: beyond the other maybes, whatever a total holds over its sure
        # records is parked originals counted before their batch failed, and again as replayed copies.
        originals = sum(w for s, w, _ in kept if _parked(before.ingest, shard, s) and (shard, s) not in left_off)
        twice = min(originals, max(0, total - low - (high - low - originals)))
        if twice:
            findings.add("parked_counted_twice", twice, f"{m}: {pk} {sk} holds {total}, {low} sure, {originals} parked")

    order_status = {str(i["order_id"]): str(i.get("status")) for i in _scan(dynamodb.Table(resources.orders_table))}
    for order_id, (shard, seq) in orders.items():
        accounted = (shard, seq) in order_quarantine or _parked(order_parked, shard, seq)
        if order_id not in order_status and not accounted:
            findings.add("records_lost", 1, f"{m}: order {order_id} ({shard}/{seq}) not in the orders table")
    findings.counts["orders_in_stream"] += len(orders)
    _stock(m, dynamodb.Table(resources.inventory_table), stock, findings)
    _alerts(m, sqs, resources.room_alert_signals_queue_url, marks, findings)


def _stock(m: str, table: Any, stock: dict[str, int], findings: Findings) -> None:
    books = StockBooks.read(_scan(table))
    for sku, opening in stock.items():
        booked = books.skus[sku].receipts
        if booked != opening:
            findings.add("phantom_units", abs(booked - opening), f"{m}: {sku} {booked} received, {opening} put")
    books.audit(m, findings)


def _alerts(m: str, sqs: Any, url: str, marks: Counter[tuple[str, str]], findings: Findings) -> None:
    delivered: Counter[tuple[str, str, str]] = Counter()
    for body in drain_queue(sqs, url):
        alert = parse_event(body, RoomAlert).signal
        delivered[(alert.room_id, f"{alert.minute:%Y-%m-%dT%H:%M}Z", alert.key)] += 1
    findings.counts["alerts_delivered"] += sum(delivered.values())
    for key, count in delivered.items():
        if count > 1:
            findings.add("alerts_duplicated", count - 1, f"{m}: {' '.join(key)} delivered {count} times")
    per_minute = Counter((room, stamp) for room, stamp, _ in delivered)
    for (room, stamp), count in marks.items():
        if count > per_minute[(room, stamp)]:
            findings.add("alerts_lost", count - per_minute[(room, stamp)], f"{m}: {room} {stamp} marked, not delivered")
