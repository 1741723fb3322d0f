"""Per room and minute live metrics, idempotent by construction.

A Kinesis batch is folded into *partials*: one per (room, minute) it touches. A partial is keyed
by the shard and the sequence number of the first record that went into it, and is written with
overwrite semantics (plain PutItem). The per-minute view is the sum of the partials, so a
redelivered or bisected batch rewrites the same items instead of counting twice.

Contract for the caller (the ingest handler): write every item of a batch, or report the batch
failed from its *first* record. Kinesis then redelivers from that record and each partial is
rebuilt under the same key. When some records are reported failed (batchItemFailures), feed the
aggregator only the records *before* the lowest failed sequence number: Kinesis redelivers
everything from there, and those records must be counted by the redelivered batch, not twice.
Rejected records (wrong market, wrong currency, bad interval) are returned with a reason for
quarantine; duplicates of an event id inside a batch are skipped.

Unique viewers: each partial carries the exact set of 64-bit viewer hashes it saw (blake2b of
the pseudonymous id; a collision is likely only near 4 billion ids), packed as little-endian uint64. A
partial holds at most one batch's records (<= 10,000), so an item stays under 80 KB of hashes,
and the union at read time is exact. "Unique viewers" of a minute counts ids with any event in
that minute (joined, commented, liked, carted, bought); silent watchers show in concurrency.

The read side (folding items back into per-minute metrics) is :mod:`livebase.live.room_minutes`.
The ingest handler does not store one item per batch: it adds each batch's partials to one running
total per (room, minute, shard) (:mod:`livebase.live.shard_minutes`), items of the same shape, so a
minute reads back as one item per shard. Per-batch items (:func:`to_items`) remain the offline form.

Orders are keyed by order id inside each partial, so a producer's duplicate of an order (another
sequence number) is counted once when partials are folded. Ingest counts no money (issue 28): an
order's value is 0 here (it was the client's total) and refund events only count; the room's GMV
and refunds are what the orders consumer accepted and applied, at Livebase's prices, one item per
order in the room's partition (``livebase.stores.room_orders``), folded in by ``room_minutes``.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from hashlib import blake2b
from typing import Any

from livebase.live.admission import market_fault
from livebase.live.events import AnyLiveEvent, Comment
from livebase.live.sentiment import Sentiment, scorer_for
from livebase.markets.config import Market
from livebase.moderation import Decision, Moderator, Verdict
from livebase.stores.room_keys import minute_key

DEFAULT_TTL_DAYS = 35
ONE_MINUTE = timedelta(minutes=1)
_CHECKED_TYPES = frozenset({"order_placed", "refund", "product_shown"})
# Events that add one to a counter of their minute and nothing else (besides the viewer).
_COUNTED_ONCE = {
    "viewer_joined": "joins",
    "viewer_left": "leaves",
    "share": "shares",
    "order_cancelled": "cancellations",
}
ITEM_SCHEMA = 1


@dataclass(slots=True)
class LanguageTally:
    comments: int = 0
    negative: int = 0

    def merge(self, other: LanguageTally) -> None:
        self.comments += other.comments
        self.negative += other.negative


@dataclass(slots=True)
class EdgeTally:
    """Edge-node samples of one minute; CPU and error rate are node-wide ratios in [0, 1]."""

    samples: int = 0
    cpu_sum: float = 0.0
    cpu_max: float = 0.0
    error_sum: float = 0.0
    error_max: float = 0.0
    viewers_sum: int = 0

    def merge(self, other: EdgeTally) -> None:
        self.samples += other.samples
        self.cpu_sum += other.cpu_sum
        self.cpu_max = max(self.cpu_max, other.cpu_max)
        self.error_sum += other.error_sum
        self.error_max = max(self.error_max, other.error_max)
        self.viewers_sum += other.viewers_sum

    @property
    def cpu(self) -> float:
        return self.cpu_sum / self.samples if self.samples else 0.0

    @property
    def error_rate(self) -> float:
        return self.error_sum / self.samples if self.samples else 0.0

    @property
    def viewers_served(self) -> float:
        return self.viewers_sum / self.samples if self.samples else 0.0


@dataclass(slots=True)
class Partial:
    """What one batch contributed to one (room, minute)."""

    room_id: str
    minute: datetime
    first_seq: int
    last_seq: int
    records: int = 0
    joins: int = 0
    leaves: int = 0
    comments: int = 0
    likes: int = 0
    shares: int = 0
    add_to_cart: int = 0
    cart_units: int = 0
    cart_value: Decimal = Decimal(0)
    orders: dict[str, Decimal] = field(default_factory=dict)  # order ids seen (values 0: no money from ingest)
    cancellations: int = 0
    refunds: int = 0
    refund_amount: Decimal = Decimal(0)
    hidden_comments: int = 0  # moderation hid them: never in ``comments`` nor the languages' tallies
    held_comments: int = 0  # held for review: not counted unless ops show them
    authentic_joins: int = 0  # from accounts not flagged as flooding or bots in this room
    authentic_likes: int = 0
    authentic_comments: int = 0
    viewers: set[int] = field(default_factory=set)
    buyers: set[int] = field(default_factory=set)
    languages: dict[str, LanguageTally] = field(default_factory=dict)
    screen_seconds: dict[str, float] = field(default_factory=dict)
    edges: dict[str, EdgeTally] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rejected:
    sequence: str
    reason: str


def minute_of(ts: datetime) -> datetime:
    return ts.replace(second=0, microsecond=0)


def viewer_hash(viewer_id: str) -> int:
    """64-bit digest of the whole pseudonymous id (ids differing only in their tail stay apart)."""
    return int.from_bytes(blake2b(viewer_id.encode(), digest_size=8).digest(), "little")


class BatchAggregator:
    """Folds one Kinesis batch (one shard) of validated events into partials.

    With a :class:`~livebase.moderation.Moderator`, each comment is decided first (hidden and held
    comments count only as such, and their decisions are kept in ``decisions`` for the store), and
    joins, likes and comments of accounts flagged in the room stay out of the ``authentic_*`` counts.
    """

    def __init__(
        self,
        market: Market,
        shard_id: str,
        scorer: Callable[[str, str], Sentiment] | None = None,
        moderator: Moderator | None = None,
    ) -> None:
        self.market = market
        self.moderator = moderator
        self.decisions: list[tuple[Comment, Decision]] = []
        self.shard_id = shard_id
        self.partials: dict[tuple[str, datetime], Partial] = {}
        self.rejected: list[Rejected] = []
        self.duplicates = 0
        self._seen: set[str] = set()
        self._scorer = scorer or scorer_for(market.languages)  # identifies the language among the market's
        self._hashes: dict[str, int] = {}
        self._market_id = market.id
        # Records come in time order, so most land in the partial of the one before.
        self._last: Partial | None = None
        self._last_end = datetime.min.replace(tzinfo=UTC)

    def _partial(self, room_id: str, minute: datetime, seq: int) -> Partial:
        key = (room_id, minute)
        part = self.partials.get(key)
        if part is None:
            part = self.partials[key] = Partial(room_id, minute, seq, seq)
        else:
            part.first_seq = min(part.first_seq, seq)
            part.last_seq = max(part.last_seq, seq)
        part.records += 1
        return part

    def _partial_at(self, room_id: str, ts: datetime, seq: int) -> Partial:
        last = self._last
        if last is not None and last.room_id == room_id and last.minute <= ts < self._last_end:
            last.records += 1
            if seq < last.first_seq:
                last.first_seq = seq
            elif seq > last.last_seq:
                last.last_seq = seq
            return last
        minute = minute_of(ts)
        self._last, self._last_end = self._partial(room_id, minute, seq), minute + ONE_MINUTE
        return self._last

    def _viewer(self, viewer_id: str) -> int:
        found = self._hashes.get(viewer_id)
        if found is None:
            found = self._hashes[viewer_id] = viewer_hash(viewer_id)
        return found

    def add(self, sequence: str, event: AnyLiveEvent) -> Rejected | None:
        """Count one event; returns the rejection (also kept in ``rejected``) or None."""
        if event.market != self._market_id or event.type in _CHECKED_TYPES:
            reason = self._check(event)
            if reason is not None:
                rejection = Rejected(sequence, reason)
                self.rejected.append(rejection)
                return rejection
        if event.event_id in self._seen:
            self.duplicates += 1
            return None
        self._seen.add(event.event_id)
        seq = int(sequence)
        if event.type == "product_shown":
            self._screen_time(event.room_id, event.sku, event.shown_from, event.shown_until, seq)
            return None
        part = self._partial_at(event.room_id, event.ts, seq)
        if event.type == "edge_node_stats":
            tally = part.edges.setdefault(event.edge_location, EdgeTally())
            tally.merge(EdgeTally(1, event.cpu, event.cpu, event.error_rate, event.error_rate, event.viewers_served))
            return None
        viewer = self._viewer(event.viewer_id)
        part.viewers.add(viewer)
        if event.type == "comment" and self.moderator is not None:
            decision = self.moderator.decide(event)
            if not decision.shown:
                self.decisions.append((event, decision))
                if decision.verdict is Verdict.HOLD:
                    part.held_comments += 1
                else:
                    part.hidden_comments += 1
                return None
        authentic = self.moderator.observe(event) if self.moderator is not None else True
        counter = _COUNTED_ONCE.get(event.type)
        if counter is not None:
            setattr(part, counter, getattr(part, counter) + 1)
            if counter == "joins" and authentic:
                part.authentic_joins += 1
        elif event.type == "like":
            part.likes += event.count
            if authentic:
                part.authentic_likes += event.count
        elif event.type == "comment":
            part.comments += 1
            if authentic:
                part.authentic_comments += 1
            lang = part.languages.setdefault(event.language, LanguageTally())
            lang.comments += 1
            if self._scorer(event.text, event.language).negative:
                lang.negative += 1
        elif event.type == "add_to_cart":
            part.add_to_cart += 1
            part.cart_units += event.quantity
            part.cart_value += event.unit_price * event.quantity
        elif event.type == "order_placed":
            part.orders[event.order_id] = Decimal(0)  # the id only: the money is the orders consumer's
            part.buyers.add(viewer)
        elif event.type == "refund":
            part.refunds += 1  # asked for; what was refunded is the orders consumer's
        return None

    def _check(self, event: AnyLiveEvent) -> str | None:
        return market_fault(event, self.market)  # the admission's own rule, for callers that skip it

    def _screen_time(self, room_id: str, sku: str, start: datetime, end: datetime, seq: int) -> None:
        minute = minute_of(start)
        while minute < end:
            following = minute + timedelta(minutes=1)
            seconds = (min(end, following) - max(start, minute)).total_seconds()
            if seconds > 0:
                part = self._partial(room_id, minute, seq)
                part.screen_seconds[sku] = part.screen_seconds.get(sku, 0.0) + seconds
            minute = following


def aggregate(market: Market, shard_id: str, records: Iterable[tuple[str, AnyLiveEvent]]) -> BatchAggregator:
    aggregator = BatchAggregator(market, shard_id)
    for sequence, event in records:
        aggregator.add(sequence, event)
    return aggregator


# ---- DynamoDB items (boto3 resource format: Decimal numbers, bytes for binary) ----


def pack_hashes(hashes: set[int]) -> bytes:
    packed = array("Q", sorted(hashes))
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def unpack_hashes(blob: Any) -> array[int]:
    raw = bytes(blob.value if hasattr(blob, "value") else blob)
    unpacked = array("Q", raw)
    if sys.byteorder == "big":
        unpacked.byteswap()
    return unpacked


def to_decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


ITEM_COUNTS = ("joins", "leaves", "comments", "likes", "shares", "add_to_cart", "cart_units", "cancellations",
           "refunds", "hidden_comments", "held_comments", "authentic_joins", "authentic_likes",
           "authentic_comments")  # fmt: skip
AUTHENTIC_OF = {"authentic_joins": "joins", "authentic_likes": "likes", "authentic_comments": "comments"}
ITEM_MONEY = ("cart_value", "refund_amount")
ITEM_EDGE_FIELDS = ("samples", "cpu_sum", "cpu_max", "error_sum", "error_max", "viewers_sum")


def partial_item(
    part: Partial, key: dict[str, str], market: Market, shard_id: str, ttl_days: int = DEFAULT_TTL_DAYS
) -> dict[str, Any]:
    """A partial as a table item under ``key``. TTL derives from the minute, so a rewrite is identical."""
    item: dict[str, Any] = {
        **key,
        "schema": ITEM_SCHEMA, "market": market.id, "room_id": part.room_id,
        "minute": part.minute.isoformat(), "shard_id": shard_id, "first_seq": str(part.first_seq),
        "last_seq": str(part.last_seq), "records": part.records, "currency": market.currency,
        "expires_at": int(part.minute.timestamp()) + ttl_days * 86400, "orders": part.orders,
        **{name: getattr(part, name) for name in (*ITEM_COUNTS, *ITEM_MONEY)},
        "languages": {k: {"comments": t.comments, "negative": t.negative} for k, t in part.languages.items()},
        "screen_seconds": {k: to_decimal(v) for k, v in part.screen_seconds.items()},
        "edges": {k: {f: to_decimal(getattr(e, f)) for f in ITEM_EDGE_FIELDS} for k, e in part.edges.items()},
    }  # fmt: skip
    if part.viewers:
        item["viewers"] = pack_hashes(part.viewers)
    if part.buyers:
        item["buyers"] = pack_hashes(part.buyers)
    return item


def to_items(batch: BatchAggregator, ttl_days: int = DEFAULT_TTL_DAYS) -> list[dict[str, Any]]:
    """One item per partial of the batch, keyed by shard and first sequence number."""
    return [
        partial_item(part, minute_key(part.room_id, part.minute, batch.shard_id, part.first_seq), batch.market,
                     batch.shard_id, ttl_days)
        for part in batch.partials.values()
    ]  # fmt: skip
