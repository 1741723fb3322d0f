"""What the player shows: the session's line-up ranked for one viewer (pure, no numpy: Lambda layer).

Personal order only with personalisation consent and a trained list; otherwise the session's own
line-up order, and the answer says which and why (``source``, ``reason``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PERSONAL, LINEUP = "personal", "lineup"
NO_CONSENT = "no personalisation consent"
NO_HISTORY = "no behaviour in this market yet"
NO_OVERLAP = "nothing in this line-up is in the viewer's list"


@dataclass(frozen=True, slots=True)
class Ranked:
    items: list[str]
    source: str  # PERSONAL or LINEUP
    reason: str | None = None  # why the line-up order was kept


def rank_lineup(
    lineup: Sequence[str], scores: Mapping[str, float] | None, *, consented: bool, limit: int = 10
) -> Ranked:
    """Line-up items the viewer's scores know first (highest first), then the rest in line-up order."""
    if not consented:
        return Ranked(list(lineup[:limit]), LINEUP, NO_CONSENT)
    if not scores:
        return Ranked(list(lineup[:limit]), LINEUP, NO_HISTORY)
    if not any(sku in scores for sku in lineup):
        return Ranked(list(lineup[:limit]), LINEUP, NO_OVERLAP)  # not "personal": the order would be the line-up's
    position = {sku: k for k, sku in enumerate(lineup)}
    ordered = sorted(lineup, key=lambda sku: (-scores.get(sku, 0.0), position[sku]))
    return Ranked(ordered[:limit], PERSONAL)
