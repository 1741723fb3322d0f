"""The simulated market's audience: regulars with known tastes, and one-time visitors.

Recommendations can only be judged against tastes that are known, so every simulated viewer has
one: an affinity per product category (gamma draws scaled to mean 1: most viewers like a few
categories much more than the rest). A share of each day's arrivals are the market's regulars:
the same pseudonymous id and the same tastes on every day of a seed (their tastes draw from a
stream that ignores the day), visiting more or less often (a log-normal propensity). The others
come once, with tastes of their own. The funnel multiplies a viewer's chance to cart a product by
their affinity for its category (``livebase_local.simulator.model``).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from itertools import accumulate

from livebase_local.simulator.pseudonyms import simulated_pseudonyms

CATEGORIES = ("beauty", "skincare", "apparel", "accessories", "home", "food", "electronics", "kids")
TASTE_SHAPE = 0.4  # gamma shape of the affinities: small = strong favourites
REGULARS_PER_SCALE = 5_000  # regulars of a market at scale 1.0 (a day then has ~25k arrivals)

Taste = dict[str, float]


def sku_category(sku: str) -> str:
    """The category of a simulated SKU (``<MARKET>-<room><nnnn>``): its catalogue number's."""
    return CATEGORIES[int(sku[-4:]) % len(CATEGORIES)]


def draw_taste(rng: random.Random) -> Taste:
    """Affinities per category, mean 1 (so the funnel's totals hold on average)."""
    raw = [rng.gammavariate(TASTE_SHAPE, 1.0) + 1e-9 for _ in CATEGORIES]
    mean = sum(raw) / len(raw)
    return {category: value / mean for category, value in zip(CATEGORIES, raw, strict=True)}


class Audience:
    """Who arrives: a regular (by their propensity) or a one-time viewer; their id and tastes."""

    def __init__(self, market_id: str, seed: int, scale: float, returning_share: float, day_tag: str) -> None:
        if not 0.0 <= returning_share <= 1.0:
            raise ValueError(f"returning_share: must be between 0 and 1, got {returning_share}")
        self.pseudonymise = simulated_pseudonyms(seed, market_id)
        self.returning_share = returning_share
        tastes = random.Random(f"tastes:{seed}:{market_id}")  # no day: a regular is the same person daily
        size = max(20, round(REGULARS_PER_SCALE * scale))
        self.regulars = [self.pseudonymise(f"{market_id}-regular-{seed}-{k}") for k in range(size)]
        self.tastes: dict[str, Taste] = {vid: draw_taste(tastes) for vid in self.regulars}
        self._cumulative = list(accumulate(tastes.lognormvariate(0.0, 1.0) for _ in self.regulars))
        self.visits = random.Random(f"visits:{seed}:{market_id}{day_tag}")

    def arrival(self, one_time_id: str) -> tuple[str, Taste]:
        """The next arrival: a regular, or the one-time viewer ``one_time_id`` (pseudonymised)."""
        rng = self.visits
        if rng.random() < self.returning_share:
            k = bisect_right(self._cumulative, rng.random() * self._cumulative[-1])
            vid = self.regulars[min(k, len(self.regulars) - 1)]
            return vid, self.tastes[vid]
        vid = self.pseudonymise(one_time_id)
        taste = draw_taste(rng)
        self.tastes[vid] = taste
        return vid, taste
