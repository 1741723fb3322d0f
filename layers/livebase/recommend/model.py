"""Item-item co-occurrence with recency weighting, and per-viewer lists from tastes by category.

Why this and not ALS: a market's catalogue on air is small (tens to hundreds of SKUs a week) and
its behaviour sparse and fresh; co-occurrence has no factors or regularisation to tune, trains in
milliseconds with numpy, explains itself (the neighbours of an item are readable), and needs no
compiled dependency (``implicit``, the usual ALS library, is neither in the project's constraints
nor installable offline here). Recency: each interaction's weight halves every ``half_life_days``,
so tastes that moved on fade. Similarity is the cosine of items' weighted viewer columns, each
item keeping its ``neighbours`` best; a viewer's score for an item is the weighted sum of their
items' similarities to it plus their own weight on it (people re-buy what they like), with the
market's popularity as a small prior that breaks ties.

With the catalogue's categories (``categories``: SKU -> category), the lists come from the
viewer's taste by category instead (``livebase.recommend.taste``): on the simulated market that
held-out recall beat co-occurrence by a quarter (seeds 7 and 3), since a viewer's next carts are
mostly SKUs they never took, whose only link to their history is the kind of goods. The
neighbours are kept either way (readable, and the lists without a catalogue). Item strength and
the prior come from ``market`` (every viewer's behaviour: aggregate counts, no one's list) when
given, so a list trained on few consenting viewers still ranks what the market takes.
Pure: interactions in, lists out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from livebase.recommend.behaviour import Interaction
from livebase.recommend.taste import category_lifts, item_strength, taste_scores, taste_signals

HALF_LIFE_DAYS = 14.0
NEIGHBOURS = 20
TOP_N = 30  # items kept per viewer: enough to rank any session's line-up
OWN_WEIGHT = 1.0  # weight of the viewer's own history against what it implies
PRIOR = 1e-3  # popularity as a tie-breaker


@dataclass
class Recommender:
    """What training produced: item neighbours, the popular list, and per-viewer top lists."""

    trained_at: datetime
    popular: list[str]
    neighbours: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    viewers: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def _decay(interactions: Iterable[Interaction], now: datetime, half_life_days: float) -> list[tuple[str, str, float]]:
    return [
        (i.viewer, i.sku, i.weight * 0.5 ** (max(0.0, (now - i.at).total_seconds()) / 86400 / half_life_days))
        for i in interactions
        if i.at <= now  # the future never trains the past
    ]


def popularity(interactions: Iterable[Interaction], now: datetime, half_life_days: float = HALF_LIFE_DAYS) -> list[str]:
    """Every item by recency-weighted interaction weight, most first (the baseline and the prior)."""
    totals: dict[str, float] = {}
    for _, sku, weight in _decay(interactions, now, half_life_days):
        totals[sku] = totals.get(sku, 0.0) + weight
    return sorted(totals, key=lambda sku: (-totals[sku], sku))


def train(
    interactions: Collection[Interaction],
    now: datetime,
    *,
    viewers: Collection[str] | None = None,
    half_life_days: float = HALF_LIFE_DAYS,
    neighbours: int = NEIGHBOURS,
    top_n: int = TOP_N,
    categories: Mapping[str, str] | None = None,
    market: Collection[Interaction] | None = None,
) -> Recommender:
    """Train on ``interactions`` up to ``now``; top lists only for ``viewers`` (those who consented:
    everyone's behaviour is not used for anyone without them, see ``flows/recommendations.py``).
    ``categories``: the catalogue's, for lists by taste; ``market``: every viewer's behaviour, for
    the aggregate popularity only (defaults to ``interactions``)."""
    everyone = interactions if market is None else market
    rows = _decay(interactions, now, half_life_days)
    popular = popularity(everyone, now, half_life_days)
    if not rows:
        return Recommender(now, popular)
    items = sorted({sku for _, sku, _ in rows})
    people = sorted({viewer for viewer, _, _ in rows})
    item_index = {sku: k for k, sku in enumerate(items)}
    person_index = {viewer: k for k, viewer in enumerate(people)}
    matrix = np.zeros((len(people), len(items)))
    for viewer, sku, weight in rows:
        matrix[person_index[viewer], item_index[sku]] += weight
    norms = np.linalg.norm(matrix, axis=0)
    norms[norms == 0] = 1.0
    similarity = (matrix.T @ matrix) / np.outer(norms, norms)
    np.fill_diagonal(similarity, 0.0)
    if len(items) > neighbours:  # keep each item's best neighbours only
        cut = np.argpartition(-similarity, neighbours, axis=1)[:, neighbours:]
        np.put_along_axis(similarity, cut, 0.0, axis=1)
    prior = np.zeros(len(items))
    for rank, sku in enumerate(sku for sku in popular if sku in item_index):
        prior[item_index[sku]] = PRIOR * (1.0 - rank / max(1, len(popular)))
    model = Recommender(now, popular)
    for k, sku in enumerate(items):
        order = np.argsort(-similarity[k])[:neighbours]
        model.neighbours[sku] = [(items[j], round(float(similarity[k, j]), 4)) for j in order if similarity[k, j] > 0]
    wanted = people if viewers is None else [v for v in people if v in set(viewers)]
    if categories:
        strength = item_strength(taste_signals(everyone, now, half_life_days))
        signals = taste_signals(interactions, now, half_life_days)
        lifts = category_lifts(signals, strength, categories, viewers=wanted)
        for viewer in wanted:
            model.viewers[viewer] = taste_scores(strength, lifts.get(viewer, {}), categories, top_n)
        return model
    for viewer in wanted:
        history = matrix[person_index[viewer]]
        scores = history @ similarity + OWN_WEIGHT * history + prior
        best = np.argsort(-scores)[:top_n]
        model.viewers[viewer] = [(items[j], round(float(scores[j]), 5)) for j in best if scores[j] > 0]
    return model
