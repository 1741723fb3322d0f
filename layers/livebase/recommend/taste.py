"""A viewer's taste by catalogue category, times what the market takes: the score behind the top lists.

Why: a viewer's next carts are mostly new SKUs (a room's catalogue rotates through its line-ups),
so the SKUs they already took say little about which SKU comes next, but the categories they took
from say much: people keep to the kinds of goods they like. Each viewer's share of carts and orders
per catalogue category is shrunk towards the market's shares (``PRIOR_STRENGTH`` pseudo-signals
per category), so one cart is a hint and twenty a habit; the lift of that share over the market's
multiplies each item's strength (its recency-weighted carts and orders in the whole market, an
aggregate that needs no one's consent). A viewer without signals gets the market's order, which
is the popularity fallback for cold viewers. Watching is not taste (being in the room while a
product is on air is not liking it), so only carts and orders count here, each once: an order
after a cart adds one, since what makes a cart become an order is mostly the price of the day.
Pure: numpy-free, interactions in, scores out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from livebase.recommend.behaviour import CART, Interaction

PRIOR_STRENGTH = 0.2  # pseudo-signals per category pulling a viewer's shares to the market's (seeds 7, 3)
TASTE_HALF_LIFE_DAYS = 14.0  # tastes fade slowly; the same half-life as the co-occurrence (seeds 7, 3)


def _decayed(interaction: Interaction, now: datetime, half_life_days: float) -> float:
    age_days = max(0.0, (now - interaction.at).total_seconds()) / 86400
    return 0.5 ** (age_days / half_life_days)


def taste_signals(
    interactions: Iterable[Interaction], now: datetime, half_life_days: float = TASTE_HALF_LIFE_DAYS
) -> list[tuple[str, str, float]]:
    """(viewer, sku, weight): carts and orders only, each counting one, recency-weighted; no future."""
    return [
        (i.viewer, i.sku, _decayed(i, now, half_life_days)) for i in interactions if i.weight >= CART and i.at <= now
    ]


def item_strength(signals: Iterable[tuple[str, str, float]]) -> dict[str, float]:
    """Each item's share of the market's (recency-weighted) carts and orders."""
    totals: dict[str, float] = defaultdict(float)
    for _, sku, weight in signals:
        totals[sku] += weight
    whole = sum(totals.values()) or 1.0
    return {sku: value / whole for sku, value in totals.items()}


def category_lifts(
    signals: Iterable[tuple[str, str, float]],
    strength: Mapping[str, float],
    categories: Mapping[str, str],
    *,
    viewers: Collection[str] | None = None,
    prior_strength: float = PRIOR_STRENGTH,
) -> dict[str, dict[str, float]]:
    """Per viewer: category -> (shrunk share of their signals) / (the market's share)."""
    market: dict[str, float] = defaultdict(float)
    for sku, share in strength.items():
        if sku in categories:
            market[categories[sku]] += share
    known = sum(market.values())
    if not known:
        return {}
    market_share = {category: value / known for category, value in market.items()}
    pseudo = prior_strength * len(market_share)
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    wanted = None if viewers is None else set(viewers)
    for viewer, sku, weight in signals:
        if sku in categories and (wanted is None or viewer in wanted):
            counts[viewer][categories[sku]] += weight
    lifts: dict[str, dict[str, float]] = {}
    for viewer, per_category in counts.items():
        total = sum(per_category.values())
        lifts[viewer] = {
            category: (per_category.get(category, 0.0) + pseudo * share) / (total + pseudo) / share
            for category, share in market_share.items()
        }
    return lifts


def taste_scores(
    strength: Mapping[str, float], lifts: Mapping[str, float], categories: Mapping[str, str], top_n: int
) -> list[tuple[str, float]]:
    """One viewer's best ``top_n`` items: strength times the lift of the item's category (1 if unknown)."""
    scores = {sku: share * lifts.get(categories.get(sku, ""), 1.0) for sku, share in strength.items()}
    best = sorted(scores, key=lambda sku: (-scores[sku], sku))[:top_n]
    return [(sku, round(scores[sku], 6)) for sku in best if scores[sku] > 0]
