"""Running totals per (room, minute, shard): how room metrics are stored by the ingest handler.

Why not one item per batch: a room's minute then grew an item for every batch of every shard
that touched it (hundreds a minute at 1,000 events/s), and judging a minute read them all back
for the whole alert window. Instead each shard's handler keeps one item per (room, minute): the
sum of everything that shard has counted there, rewritten as batches arrive. Reading a room's
minute costs one item per shard.

Idempotency, by sequence numbers: a shard is read in order and redelivered from a checkpoint
(after a failure, from the lowest failed record). Each item records the last sequence number it
includes, so a batch's partial for (room, minute) is

* new when its first record is after that number: added;
* already counted when its last record is at or before it: skipped (a redelivered batch);
* overlapping otherwise, which in-order delivery never produces: skipped and reported, so a
  counter can be low but never doubled.

Writes are conditional on the item being the version read (:func:`expected_version`), so a stale
copy in a container's cache is caught and re-read rather than overwritten. Pure functions here;
the store is :mod:`livebase.stores.room_metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from livebase.live.room_metrics import (
    DEFAULT_TTL_DAYS,
    ITEM_COUNTS,
    ITEM_MONEY,
    EdgeTally,
    LanguageTally,
    Partial,
    partial_item,
    unpack_hashes,
)
from livebase.markets.config import Market
from livebase.stores.room_keys import minute_key

SEQ_DIGITS = 64  # Kinesis sequence numbers have up to 56 digits; zero-padded they sort as text


class Verdict(Enum):
    NEW = "new"
    ALREADY_COUNTED = "already counted"
    OVERLAP = "overlap"


def seq_text(sequence: int) -> str:
    """A sequence number as fixed-width text: DynamoDB compares strings, not 56-digit numbers."""
    return str(sequence).zfill(SEQ_DIGITS)


def item_key(room_id: str, minute: datetime, shard_id: str) -> dict[str, str]:
    """The shard's running total of the room-minute (keys: :mod:`livebase.stores.room_keys`)."""
    return minute_key(room_id, minute, shard_id)


def verdict(stored: Partial | None, new: Partial) -> Verdict:
    if stored is None or new.first_seq > stored.last_seq:
        return Verdict.NEW
    if new.last_seq <= stored.last_seq:
        return Verdict.ALREADY_COUNTED
    return Verdict.OVERLAP


def merged(stored: Partial | None, new: Partial) -> Partial:
    """``stored`` plus ``new`` as a fresh Partial (neither argument is changed)."""
    if stored is None:
        return _copy(new)
    total = _copy(stored)
    total.first_seq, total.last_seq = min(stored.first_seq, new.first_seq), max(stored.last_seq, new.last_seq)
    total.records += new.records
    for name in (*ITEM_COUNTS, *ITEM_MONEY):
        setattr(total, name, getattr(total, name) + getattr(new, name))
    total.orders.update(new.orders)
    total.viewers |= new.viewers
    total.buyers |= new.buyers
    for lang, tally in new.languages.items():
        total.languages.setdefault(lang, LanguageTally()).merge(tally)
    for sku, seconds in new.screen_seconds.items():
        total.screen_seconds[sku] = total.screen_seconds.get(sku, 0.0) + seconds
    for loc, edge in new.edges.items():
        total.edges.setdefault(loc, EdgeTally()).merge(edge)
    return total


def _copy(part: Partial) -> Partial:
    return Partial(
        part.room_id, part.minute, part.first_seq, part.last_seq, part.records,
        **{name: getattr(part, name) for name in (*ITEM_COUNTS, *ITEM_MONEY)},
        orders=dict(part.orders), viewers=set(part.viewers), buyers=set(part.buyers),
        languages={k: LanguageTally(t.comments, t.negative) for k, t in part.languages.items()},
        screen_seconds=dict(part.screen_seconds),
        edges={k: EdgeTally(e.samples, e.cpu_sum, e.cpu_max, e.error_sum, e.error_max, e.viewers_sum)
               for k, e in part.edges.items()},
    )  # fmt: skip


def to_item(part: Partial, market: Market, shard_id: str, ttl_days: int = DEFAULT_TTL_DAYS) -> dict[str, Any]:
    """The stored item (boto3 resource format): a partial's fields plus the sortable last sequence."""
    item = partial_item(part, item_key(part.room_id, part.minute, shard_id), market, shard_id, ttl_days)
    item["last_seq_key"] = seq_text(part.last_seq)
    return item


def from_item(item: Mapping[str, Any]) -> Partial:
    """Back from a stored item (a container resuming after a cold start)."""
    minute = datetime.fromisoformat(str(item["minute"])).astimezone(UTC)
    languages = item.get("languages", {})
    part = Partial(
        str(item["room_id"]), minute, int(item["first_seq"]), int(item["last_seq"]), int(item.get("records", 0)),
        orders={k: Decimal(v) for k, v in item.get("orders", {}).items()},
        viewers=set(unpack_hashes(item["viewers"])) if "viewers" in item else set(),
        buyers=set(unpack_hashes(item["buyers"])) if "buyers" in item else set(),
        languages={k: LanguageTally(int(t["comments"]), int(t["negative"])) for k, t in languages.items()},
        screen_seconds={k: float(v) for k, v in item.get("screen_seconds", {}).items()},
        edges={k: EdgeTally(int(e["samples"]), float(e["cpu_sum"]), float(e["cpu_max"]), float(e["error_sum"]),
                            float(e["error_max"]), int(e["viewers_sum"])) for k, e in item.get("edges", {}).items()},
    )  # fmt: skip
    for name in ITEM_COUNTS:
        setattr(part, name, int(item.get(name, 0)))
    for name in ITEM_MONEY:
        setattr(part, name, Decimal(item.get(name, 0)))
    return part


def expected_version(stored: Partial | None) -> dict[str, Any]:
    """Condition for writing over ``stored``: the item is still the one read (or still absent)."""
    if stored is None:
        return {"ConditionExpression": "attribute_not_exists(sk)"}
    return {
        "ConditionExpression": "last_seq_key = :expected",
        "ExpressionAttributeValues": {":expected": seq_text(stored.last_seq)},
    }
