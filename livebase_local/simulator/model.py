"""The simulated live day of one market: rooms, viewers, funnel, flash sale, a degraded edge node.

Everything draws from one ``random.Random`` seeded from (seed, market), so a seed gives the same
day on every machine. Arrivals are a non-homogeneous Poisson process (exponential gaps, rate
re-read each minute) following a diurnal curve in the market's local time; sessions are
log-normal (median 6 min); likes, comments and shares are Poisson per viewer; each product
segment a viewer watches may lead to add-to-cart and then an order, with price elasticity.

Viewers have known tastes (:mod:`livebase_local.simulator.audience`): a share of arrivals are
regulars of the market, the same pseudonymous viewer with the same category affinities on every
day of a seed, and the affinity for a product's category scales their chance to cart it (mean 1,
so the day's totals hold). Recommendations are evaluated against these tastes
(``benchmarks/recommendations.py``).
"""

from __future__ import annotations

import hashlib
import math
import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from livebase.markets.config import Market
from livebase_local.simulator.audience import Audience, sku_category
from livebase_local.simulator.passes import DAY_PASSES
from livebase_local.simulator.phrases import phrases
from livebase_local.simulator.pseudonyms import simulated_pseudonyms

DEFAULT_DAY = date(2026, 11, 11)
# Typical ticket of a live-commerce item in each currency (prices draw around it).
PRICE_LEVEL = {
    "SGD": 40,
    "MYR": 120,
    "THB": 900,
    "IDR": 400_000,
    "VND": 700_000,
    "PHP": 1500,
    "AED": 110,
    "SAR": 110,
    "EUR": 30,
    "GBP": 26,
    "USD": 32,
    "JPY": 4500,
    "KRW": 40_000,
}
ZERO_DECIMAL = {"IDR", "VND", "JPY", "KRW"}
LIKES_PER_MIN, COMMENTS_PER_MIN, SHARES_PER_MIN = 0.8, 0.25, 0.01
EDGE_TICK_S = 15.0
LINEUP_SIZE = 8  # SKUs in one room's line-up of a day (livebase_local.simulator.stock stocks them)


@dataclass(frozen=True)
class SimOptions:
    """``scale`` 1.0: ~2,000 concurrent viewers at the prime-time peak, ~430k events a day."""

    scale: float = 1.0
    day: date = DEFAULT_DAY
    flash_sale: bool = True
    degraded_edge: bool = True


@dataclass(frozen=True)
class CatalogueOptions:
    """What the simulated market sells and who comes back (``benchmarks/recommendations.py`` widens it)."""

    assortment: int = LINEUP_SIZE  # SKUs of each room's catalogue; a day's line-up shows LINEUP_SIZE of them
    returning_share: float = 0.5  # arrivals that are the market's regulars (same id and tastes every day)


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    sku: str
    price: Decimal
    reference: Decimal
    flash: bool


def seeded_random(seed: int, market_id: str, stream: str = "day") -> random.Random:
    digest = hashlib.sha256(f"{seed}:{market_id}:{stream}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def day_tag(options: SimOptions) -> str:
    """Empty for the default day (its historic streams and ids), ``:<date>`` for any other, so two days
    of one seed draw different crowds and name their one-time viewers apart."""
    return "" if options.day == DEFAULT_DAY else f":{options.day.isoformat()}"


def diurnal(local_hour: float) -> float:
    """Relative audience by local hour: a lunch bump and a prime-time peak near 21:00."""
    lunch = math.exp(-(((local_hour - 12.5) / 1.5) ** 2) / 2)
    prime = math.exp(-(((local_hour - 21.0) / 2.0) ** 2) / 2)
    return 0.08 + 0.35 * lunch + prime


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RoomDay:
    """Generates one room's events as (ts, partition key, payload dict) tuples into ``out``."""

    def __init__(
        self,
        market: Market,
        seed: int,
        index: int,
        local_start: tuple[int, int],
        hours: float,
        options: SimOptions,
        rng: random.Random,
        out: list[tuple[float, int, str, dict[str, Any]]],
        audience: Audience,
        catalogue: CatalogueOptions,
    ) -> None:
        self.market, self.seed, self.rng, self.out, self.options = market, seed, rng, out, options
        self.audience, self.catalogue = audience, catalogue
        # The funnel draws from its own stream: tastes change what is carted and bought, not the crowd.
        self.funnel_rng = seeded_random(seed, market.id, f"funnel:{index}{day_tag(options)}")
        zone = ZoneInfo(market.time_zone)
        start = datetime.combine(options.day, datetime.min.time(), zone).replace(
            hour=local_start[0], minute=local_start[1]
        )
        self.zone = zone
        self.start = start.timestamp()
        self.end = self.start + hours * 3600
        self.room_id = f"{market.id}-room-{index + 1}"
        self.session_id = f"{self.room_id}-{options.day:%Y%m%d}"
        self.pseudonymise = simulated_pseudonyms(seed, market.id)  # no secret: livebase_local.simulator.pseudonyms
        self.peak_rate = 120.0 * options.scale  # arrivals per minute at the diurnal peak
        self.edges = market.edge_locations
        self.edge_weights = [1.0 / (i + 1) for i in range(len(self.edges))]
        self.flash = (self.start + 0.45 * (self.end - self.start), 600.0) if options.flash_sale and index == 0 else None
        self.degraded = None
        if options.degraded_edge and index == 0 and len(self.edges) > 1:
            self.degraded = (self.edges[1], self.start + 0.65 * (self.end - self.start), 15 * 60.0)
        self.segments = self._lineup(index)
        self.seg_starts = [s.start for s in self.segments]
        self.host = self.pseudonymise(f"host-{self.room_id}")
        self.intervals: list[tuple[str, float, float]] = []
        self.count = 0

    # ---- plumbing ----
    def emit(self, ts: float, kind: str, viewer: str, partition_key: str, **fields: Any) -> None:
        self.count += 1
        payload = {
            "event_id": f"ev-{self.room_id}-{self.seed}-{self.count:08d}",
            "schema_version": 1,
            "type": kind,
            "market": self.market.id,
            "room_id": self.room_id,
            "session_id": self.session_id,
            "ts": ts,
            "viewer_id": viewer,
            **fields,
        }
        self.out.append((ts, len(self.out), partition_key, payload))

    def _price(self, reference: Decimal, factor: float) -> Decimal:
        quantum = Decimal(1) if self.market.currency in ZERO_DECIMAL else Decimal("0.01")
        return (reference * Decimal(str(round(factor, 4)))).quantize(quantum)

    def _shown(self, index: int) -> list[int]:
        """Which of the room's catalogue numbers today's line-up shows (all of a catalogue of 8, in order)."""
        if self.catalogue.assortment <= LINEUP_SIZE:
            return list(range(LINEUP_SIZE))
        pick = seeded_random(self.seed, self.market.id, f"lineup:{index}{day_tag(self.options)}")
        return pick.sample(range(self.catalogue.assortment), LINEUP_SIZE)

    def _lineup(self, index: int) -> list[Segment]:
        rng, level = self.rng, PRICE_LEVEL.get(self.market.currency, 30)
        skus = [
            (
                f"{self.market.id.upper()}-{index + 1}{n:04d}",
                self._price(Decimal(level), rng.lognormvariate(0, 0.3)),
            )
            for n in self._shown(index)
        ]
        segments, t, n = [], self.start, 0
        flash_at = self.flash[0] if self.flash else math.inf
        while t < self.end:
            sku, price = skus[n % len(skus)]
            length = rng.uniform(8, 15) * 60
            if t <= flash_at < t + length:  # the flash sale interrupts the line-up
                length = flash_at - t
                if length > 0:
                    segments.append(Segment(t, t + length, sku, price, Decimal(level), False))
                assert self.flash is not None
                sku, price = skus[0]
                t, length = flash_at, self.flash[1]
                segments.append(
                    Segment(t, min(self.end, t + length), sku, self._price(price, 0.6), Decimal(level), True)
                )
            else:
                segments.append(Segment(t, min(self.end, t + length), sku, price, Decimal(level), False))
            t += length
            n += 1
        return segments

    # ---- the day ----
    def run(self) -> None:
        for seg in self.segments:
            self.emit(
                seg.start,
                "product_shown",
                self.host,
                self.room_id,
                sku=seg.sku,
                shown_from=iso(seg.start),
                shown_until=iso(seg.end),
            )
        t, peak = self.start, max(diurnal(h / 4) for h in range(96))
        while t < self.end:
            minute_end = min(self.end, (math.floor((t - self.start) / 60) + 1) * 60 + self.start)
            rate = self._arrival_rate(t, peak) / 60.0
            gap = self.rng.expovariate(rate) if rate > 0 else math.inf
            if t + gap >= minute_end:
                t = minute_end  # memoryless: redraw with the next minute's rate
                continue
            t += gap
            self.viewer(t)
        self.edge_stats()

    def _arrival_rate(self, t: float, peak: float) -> float:
        local = datetime.fromtimestamp(t, self.zone)
        rate = self.peak_rate * diurnal(local.hour + local.minute / 60) / peak
        rate *= min(1.0, 0.3 + (t - self.start) / 600)  # audience builds over the first 10 minutes
        if self.flash and self.flash[0] <= t < self.flash[0] + self.flash[1]:
            rate *= 2.5
        return rate

    def viewer(self, t0: float) -> None:
        rng = self.rng
        self.count += 1
        vid, taste = self.audience.arrival(f"{self.room_id}-viewer-{self.seed}-{self.count}{day_tag(self.options)}")
        edge = rng.choices(self.edges, self.edge_weights)[0]
        leave = min(self.end, t0 + rng.lognormvariate(math.log(360), 1.0))
        trouble = None
        if self.degraded and edge == self.degraded[0]:
            d0, d1 = self.degraded[1], self.degraded[1] + self.degraded[2]
            if t0 < d1 and leave > d0:
                trouble = (max(t0, d0), d1)
                if rng.random() < 0.7:
                    leave = min(leave, trouble[0] + rng.expovariate(1 / 150))
        self.intervals.append((edge, t0, leave))
        self.emit(t0, "viewer_joined", vid, vid)
        self.emit(leave, "viewer_left", vid, vid)
        for rate, emit in (
            (LIKES_PER_MIN, self._like),
            (COMMENTS_PER_MIN, self._comment),
            (SHARES_PER_MIN, self._share),
        ):
            t = t0 + rng.expovariate(rate / 60)
            while t < leave:
                emit(t, vid, trouble)
                t += rng.expovariate(rate / 60)
        self._funnel(vid, taste, t0, leave)

    def _like(self, t: float, vid: str, trouble: tuple[float, float] | None) -> None:
        self.emit(t, "like", vid, vid, count=min(1000, 1 + int(self.rng.expovariate(0.5))))

    def _share(self, t: float, vid: str, trouble: tuple[float, float] | None) -> None:
        self.emit(t, "share", vid, vid, channel=self.rng.choice(("link", "whatsapp", "line", "facebook")))

    def _comment(self, t: float, vid: str, trouble: tuple[float, float] | None) -> None:
        rng = self.rng
        language = rng.choices(self.market.languages, [1.0 / (i + 1) for i in range(len(self.market.languages))])[0]
        pool, draw = phrases(language), rng.random()
        if trouble and trouble[0] <= t < trouble[1] and draw < 0.6:
            kind = "trouble"
        else:
            kind = "negative" if draw < 0.07 else "positive" if draw < 0.4 else "neutral"
        self.emit(t, "comment", vid, vid, text=rng.choice(pool[kind]), language=language)

    def _funnel(self, vid: str, taste: dict[str, float], t0: float, leave: float) -> None:
        rng = self.funnel_rng
        first = max(0, bisect_right(self.seg_starts, t0) - 1)
        for seg in self.segments[first:]:
            if seg.start >= leave:
                break
            a, b = max(t0, seg.start), min(leave, seg.end)
            if b <= a:
                continue
            ratio = float(seg.reference / seg.price) if seg.price else 1.0
            boost = (2.0 if seg.flash else 1.0) * taste[sku_category(seg.sku)]
            if rng.random() >= min(0.6, 0.12 * (b - a) / 600 * ratio**1.2 * boost):
                continue
            quantity = 1 if rng.random() < 0.8 else 2
            t_cart = rng.uniform(a, b)
            price = str(seg.price)
            self.emit(t_cart, "add_to_cart", vid, vid, sku=seg.sku, quantity=quantity, unit_price=price)
            if rng.random() >= min(0.9, 0.4 * ratio**0.8 * (1.5 if seg.flash else 1.0)):
                continue
            t_order = t_cart + rng.uniform(20, 120)
            if t_order >= leave:
                continue
            order_id = f"o-{self.room_id}-{self.seed}-{self.count:08d}"
            self.emit(
                t_order,
                "order_placed",
                vid,
                vid,
                order_id=order_id,
                currency=self.market.currency,
                lines=[{"sku": seg.sku, "quantity": quantity, "unit_price": price}],
            )
            if rng.random() < 0.03:
                self.emit(
                    min(self.end, t_order + rng.uniform(60, 900)),
                    "order_cancelled",
                    vid,
                    vid,
                    order_id=order_id,
                    reason="changed_mind",
                )

    def edge_stats(self) -> None:
        ticks = int((self.end - self.start) // EDGE_TICK_S)
        deltas = {edge: [0] * (ticks + 2) for edge in self.edges}
        for edge, a, b in self.intervals:
            deltas[edge][int((a - self.start) // EDGE_TICK_S)] += 1
            deltas[edge][int((b - self.start) // EDGE_TICK_S)] -= 1
        total_weight = sum(self.edge_weights)
        for i, edge in enumerate(self.edges):
            # Sized so prime time runs near 40% CPU and a flash-sale crowd near 65%.
            capacity = max(5.0, 2.0 * self.peak_rate * 10 * self.edge_weights[i] / total_weight)
            agent = self.pseudonymise(f"edge-agent-{edge}")
            served = 0
            for k in range(ticks):
                served += deltas[edge][k]
                t = self.start + k * EDGE_TICK_S
                cpu = min(0.99, max(0.02, 0.12 + 0.5 * served / capacity + self.rng.gauss(0, 0.02)))
                errors = min(1.0, max(0.0, self.rng.gauss(0.004, 0.002)))
                if self.degraded and edge == self.degraded[0] and 0 <= t - self.degraded[1] < self.degraded[2]:
                    cpu, errors = self.rng.uniform(0.92, 0.98), self.rng.uniform(0.06, 0.12)
                self.emit(
                    t,
                    "edge_node_stats",
                    agent,
                    self.room_id,
                    edge_location=edge,
                    viewers_served=served,
                    bitrate_kbps=round(self.rng.uniform(2500, 4500), 1),
                    cpu=round(cpu, 4),
                    error_rate=round(errors, 4),
                )


ROOM_SCHEDULE = (((19, 0), 4.0), ((12, 0), 2.5))  # local start and hours of each room


def build_day(
    market: Market, seed: int, options: SimOptions, catalogue: CatalogueOptions | None = None
) -> list[tuple[float, int, str, dict[str, Any]]]:
    """All events of the day, time-ordered (ties keep generation order)."""
    catalogue = catalogue or CatalogueOptions()
    tag = day_tag(options)
    rng = seeded_random(seed, market.id, f"day{tag}")
    audience = Audience(market.id, seed, options.scale, catalogue.returning_share, tag)
    out: list[tuple[float, int, str, dict[str, Any]]] = []
    for index, (local_start, hours) in enumerate(ROOM_SCHEDULE):
        RoomDay(market, seed, index, local_start, hours, options, rng, out, audience, catalogue).run()
    for day_pass in DAY_PASSES:
        day_pass(market, seed, options, out)
    out.sort(key=lambda row: (row[0], row[1]))
    return out


def day_window(market: Market, options: SimOptions) -> tuple[datetime, datetime]:
    zone = ZoneInfo(market.time_zone)
    start = datetime.combine(options.day, datetime.min.time(), zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)
