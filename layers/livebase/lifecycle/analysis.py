"""One market's lifecycle analysis from its orders frame: every concept computed once, together.

The result keeps per-viewer tables (RFM, stages) for in-region use only; what may leave the
region is built from it by :func:`livebase.aggregates.export.market_export`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from livebase.lifecycle.activity import viewer_activity
from livebase.lifecycle.attribution import channel_attribution
from livebase.lifecycle.cohorts import cohort_retention
from livebase.lifecycle.frame import as_of_timestamp, placed, viewer_summary
from livebase.lifecycle.repeat import RepeatRate, repeat_rate
from livebase.lifecycle.rfm import rfm_scores, segment_sizes
from livebase.lifecycle.stages import StageRules, seen, stage_sizes, stages


@dataclass(frozen=True)
class Lifecycle:
    """What :func:`analyse` found for one market (``scores`` and ``staged`` are per viewer: in-region;
    ``staged`` covers every viewer seen, buyers or not, ``scores`` the buyers)."""

    as_of: pd.Timestamp
    orders_attempted: int
    orders_placed: int
    gmv: float
    buyers: int
    scores: pd.DataFrame
    staged: pd.DataFrame
    segments: pd.DataFrame
    stage_sizes: dict[str, int]
    repeat: RepeatRate
    attribution: pd.DataFrame
    cohorts: pd.DataFrame

    @property
    def checkout_conversion(self) -> float:
        """Placed orders / attempted orders (placed, rejected, cancelled, refunded)."""
        return self.orders_placed / self.orders_attempted if self.orders_attempted else 0.0


def analyse(
    frame: pd.DataFrame,
    as_of: pd.Timestamp | str,
    rules: StageRules | None = None,
    activity: pd.DataFrame | None = None,
) -> Lifecycle:
    """Lifecycle of a validated orders frame (``frame.validate``) up to the end of day ``as_of``; with
    ``activity`` (``activity.activity_frame``), stages count visits, watch time and interaction too."""
    rules = rules or StageRules()
    end = as_of_timestamp(as_of)
    frame = frame[frame["placed_at"] < end]
    viewers = viewer_summary(frame)
    scores = rfm_scores(viewers, end)
    sales = placed(frame)
    active = None if activity is None else viewer_activity(activity, end, rules.risk_window)
    staged = stages(seen(viewers, active), end, rules)
    return Lifecycle(
        as_of=end,
        orders_attempted=len(frame),
        orders_placed=len(sales),
        gmv=float(sales["total"].sum()),
        buyers=len(viewers),
        scores=scores,
        staged=staged,
        segments=segment_sizes(scores),
        stage_sizes=stage_sizes(staged),
        repeat=repeat_rate(viewers),
        attribution=channel_attribution(frame),
        cohorts=cohort_retention(frame),
    )
