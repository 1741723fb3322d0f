"""Per-minute room metrics read back from the room_metrics table: the sum of a minute's partials.

The write side (batches folded into partials, partials into items) is :mod:`livebase.live.room_metrics`;
this module turns items back into a gap-free series per room for flows and alert detectors.

Orders and money (issue 28), per minute of the room:

- ``orders``: ``order_placed`` events the room saw (each order id once, whatever the orders consumer
  decided): the viewers' intent, what conversion rates and session planning count;
- ``accepted_orders`` and ``gmv``: the orders the orders consumer accepted, placed in this minute,
  and their total at Livebase's prices (``livebase.stores.room_orders``: one item per order);
- ``refunds``: refund events the room saw (asked for); ``refund_amount``: what was refunded of
  the orders placed in this minute (cancels and refunds the orders consumer applied), so
  ``gmv - refund_amount`` is what the minute's orders kept.

Moderation (issue 32): ``comments`` are the comments shown; ``hidden_comments`` and ``held_comments``
the others. ``authentic_joins``, ``authentic_likes`` and ``authentic_comments`` leave out accounts
flagged in the room (flooding, like or join bursts, scam or spam): the figures that pay hosts. Items
written before moderation carry none, and read as wholly authentic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from livebase.live.room_metrics import (
    AUTHENTIC_OF,
    ITEM_COUNTS,
    ITEM_EDGE_FIELDS,
    ITEM_MONEY,
    BatchAggregator,
    EdgeTally,
    LanguageTally,
    to_items,
    unpack_hashes,
)


@dataclass(frozen=True, slots=True)
class MinuteMetrics:
    """One room's minute, as flows and alert detectors see it."""

    room_id: str
    minute: datetime
    currency: str
    joins: int = 0
    leaves: int = 0
    concurrent_viewers: int = 0
    unique_viewers: int = 0
    comments: int = 0
    likes: int = 0
    shares: int = 0
    add_to_cart: int = 0
    cart_units: int = 0
    cart_value: Decimal = Decimal(0)
    orders: int = 0  # order_placed events seen (intent)
    buyers: int = 0
    accepted_orders: int = 0  # of them, accepted by the orders consumer
    gmv: Decimal = Decimal(0)  # their total at Livebase's prices
    cancellations: int = 0
    refunds: int = 0
    refund_amount: Decimal = Decimal(0)
    hidden_comments: int = 0
    held_comments: int = 0
    authentic_joins: int = 0
    authentic_likes: int = 0
    authentic_comments: int = 0
    product_on_screen: str | None = None
    on_air_seconds: float = 0.0
    languages: Mapping[str, LanguageTally] = field(default_factory=dict)
    edges: Mapping[str, EdgeTally] = field(default_factory=dict)

    @property
    def conversion_rate(self) -> float:
        """Orders per unique viewer of the minute."""
        return self.orders / self.unique_viewers if self.unique_viewers else 0.0


@dataclass(slots=True)
class _Minute:
    counts: dict[str, int] = field(default_factory=dict)
    money: dict[str, Decimal] = field(default_factory=dict)
    viewers: set[int] = field(default_factory=set)
    buyers: set[int] = field(default_factory=set)
    screen: dict[str, float] = field(default_factory=dict)
    languages: dict[str, LanguageTally] = field(default_factory=dict)
    edges: dict[str, EdgeTally] = field(default_factory=dict)
    orders: set[str] = field(default_factory=set)
    accepted: dict[str, Decimal] = field(default_factory=dict)
    currency: str = ""


def _absorb(into: _Minute, item: Mapping[str, Any]) -> None:
    for name in ITEM_COUNTS:
        stored = item.get(name, item.get(AUTHENTIC_OF[name], 0) if name in AUTHENTIC_OF else 0)
        into.counts[name] = into.counts.get(name, 0) + int(stored)
    for name in ITEM_MONEY:
        into.money[name] = into.money.get(name, Decimal(0)) + Decimal(item.get(name, 0))
    into.currency = str(item.get("currency", into.currency))
    if "viewers" in item:
        into.viewers.update(unpack_hashes(item["viewers"]))
    if "buyers" in item:
        into.buyers.update(unpack_hashes(item["buyers"]))
    for sku, seconds in item.get("screen_seconds", {}).items():
        into.screen[sku] = into.screen.get(sku, 0.0) + float(seconds)
    for lang, tally in item.get("languages", {}).items():
        into.languages.setdefault(lang, LanguageTally()).merge(
            LanguageTally(int(tally["comments"]), int(tally["negative"]))
        )
    for loc, e in item.get("edges", {}).items():
        cpu_sum, cpu_max, error_sum, error_max = (float(e[f]) for f in ITEM_EDGE_FIELDS[1:5])
        tally = EdgeTally(int(e["samples"]), cpu_sum, cpu_max, error_sum, error_max, int(e["viewers_sum"]))
        into.edges.setdefault(loc, EdgeTally()).merge(tally)
    into.orders.update(item.get("orders", {}))  # ids only: ingest's values are no money
    for order_id, total in item.get("accepted", {}).items():
        into.accepted[order_id] = Decimal(total)


def fold_items(
    items: Iterable[Mapping[str, Any]], opening_concurrent: Mapping[str, int] | None = None
) -> dict[str, list[MinuteMetrics]]:
    """Per room, a gap-free list of minutes from the first to the last one seen.

    Concurrency is the running sum of joins minus leaves from the first minute read (plus the
    room's ``opening_concurrent``), floored at zero: read a room from its start to get it right.
    """
    rooms: dict[str, dict[datetime, _Minute]] = {}
    for item in items:
        minute = datetime.fromisoformat(str(item["minute"])).astimezone(UTC)
        rooms.setdefault(str(item["room_id"]), {}).setdefault(minute, _Minute())
        _absorb(rooms[str(item["room_id"])][minute], item)
    result: dict[str, list[MinuteMetrics]] = {}
    for room_id, minutes in rooms.items():
        running = (opening_concurrent or {}).get(room_id, 0)
        counted_orders: set[str] = set()
        counted_accepted: set[str] = set()
        currency = next((m.currency for m in minutes.values() if m.currency), "")
        series = []
        minute, last = min(minutes), max(minutes)
        while minute <= last:
            m = minutes.get(minute) or _Minute()
            amounts: dict[str, Any] = {n: m.counts.get(n, 0) for n in ITEM_COUNTS}
            amounts.update({n: m.money.get(n, Decimal(0)) for n in ITEM_MONEY})
            new_orders = m.orders - counted_orders
            counted_orders.update(new_orders)
            accepted = {k: v for k, v in m.accepted.items() if k not in counted_accepted}
            counted_accepted.update(accepted)
            running = max(0, running + m.counts.get("joins", 0) - m.counts.get("leaves", 0))
            on_screen = max(m.screen, key=m.screen.__getitem__) if m.screen else None
            series.append(MinuteMetrics(
                room_id=room_id, minute=minute, currency=currency, concurrent_viewers=running,
                unique_viewers=len(m.viewers), orders=len(new_orders), buyers=len(m.buyers),
                accepted_orders=len(accepted), gmv=sum(accepted.values(), Decimal(0)), product_on_screen=on_screen,
                on_air_seconds=min(60.0, sum(m.screen.values())), languages=m.languages, edges=m.edges,
                **amounts,
            ))  # fmt: skip
            minute += timedelta(minutes=1)
        result[room_id] = series
    return result


def metrics_from_batches(batches: Iterable[BatchAggregator]) -> dict[str, list[MinuteMetrics]]:
    """Offline shortcut (simulator, tests): the same items the table would hold, folded."""
    return fold_items(item for batch in batches for item in to_items(batch))
