"""Lifecycle stages (new, active, churn risk, dormant, churned) and the recall list of dormant viewers.

A viewer is seen when they order, visit a room, watch or interact (``livebase.lifecycle.activity``).
They are *new* while they were first seen recently, *active* while they were last seen recently,
*at churn risk* when still active but their engagement of the last window fell well below the
window before, *dormant* after ``dormant_after`` days unseen and *churned* after ``churned_after``.
Dormant viewers are recalled, but only those whose latest consent grants marketing: the recall list
is personal data and stays in the market's region. Days per market: ``Market.lifecycle``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from livebase.lifecycle.settings import LifecycleSettings

STAGES = ("new", "active", "churn_risk", "dormant", "churned")


@dataclass(frozen=True)
class StageRules:
    """Days that move a viewer on; validated so a stage can never be empty by construction."""

    new_within: int = 30
    dormant_after: int = 30
    churned_after: int = 90
    risk_window: int = 14  # days compared: the last ones against the ones before
    risk_drop: float = 0.5  # churn risk below this share of the earlier window's engagement

    def __post_init__(self) -> None:
        if not 1 <= self.new_within <= 365:
            raise ValueError(f"new_within: {self.new_within} days, must be 1..365")
        if not 1 <= self.dormant_after < self.churned_after <= 3650:
            raise ValueError(
                f"dormant_after ({self.dormant_after}) must be >= 1 and below churned_after ({self.churned_after})"
            )
        if not 3 <= self.risk_window <= 90 or not 0.0 < self.risk_drop < 1.0:
            raise ValueError(f"risk_window ({self.risk_window}) must be 3..90 days and risk_drop in (0, 1)")

    @classmethod
    def of(cls, settings: LifecycleSettings) -> StageRules:
        """The market's rules (market config ``lifecycle``)."""
        return cls(
            new_within=settings.new_within_days, dormant_after=settings.dormant_after_days,
            churned_after=settings.churned_after_days, risk_window=settings.risk_window_days,
            risk_drop=settings.risk_drop,
        )  # fmt: skip


def seen(buyers: pd.DataFrame, activity: pd.DataFrame | None) -> pd.DataFrame:
    """Per viewer who ordered or was active: first and last seen, and engagement ``recent`` / ``prior``
    (``buyers``: ``frame.viewer_summary``; ``activity``: ``activity.viewer_activity`` or None)."""
    orders = buyers[["first", "last"]]
    if activity is None or activity.empty:
        out = orders.copy()
        out["recent"] = 0.0
        out["prior"] = 0.0
        return out
    both = pd.concat([orders, activity[["first", "last"]]])
    grouped = both.groupby(level=0, sort=True)
    out = pd.DataFrame({"first": grouped["first"].min(), "last": grouped["last"].max()})
    out["recent"] = activity["recent"].reindex(out.index, fill_value=0.0)
    out["prior"] = activity["prior"].reindex(out.index, fill_value=0.0)
    out.index = pd.Index(out.index.astype(str), name="viewer_id")
    return out


def stages(viewers: pd.DataFrame, as_of: pd.Timestamp, rules: StageRules | None = None) -> pd.DataFrame:
    """Per viewer (``seen`` or ``frame.viewer_summary``): days since first and last seen, and the stage."""
    rules = rules or StageRules()
    tenure = (as_of - viewers["first"]).dt.days.to_numpy()
    inactive = (as_of - viewers["last"]).dt.days.to_numpy()
    recent = viewers["recent"].to_numpy() if "recent" in viewers else np.zeros(len(viewers))
    prior = viewers["prior"].to_numpy() if "prior" in viewers else np.zeros(len(viewers))
    fading = (prior > 0) & (recent < rules.risk_drop * prior)
    stage = np.select(
        [
            tenure < rules.new_within,
            (inactive < rules.dormant_after) & ~fading,
            inactive < rules.dormant_after,
            inactive < rules.churned_after,
        ],
        ["new", "active", "churn_risk", "dormant"],
        default="churned",
    )
    return pd.DataFrame(
        {"tenure_days": tenure, "inactive_days": inactive, "stage": pd.Categorical(stage, categories=STAGES)},
        index=viewers.index,
    )


def stage_sizes(staged: pd.DataFrame) -> dict[str, int]:
    counts = staged["stage"].value_counts()
    return {stage: int(counts.get(stage, 0)) for stage in STAGES}


def recall_list(staged: pd.DataFrame, marketing_consent: Collection[str]) -> list[str]:
    """Dormant viewers who granted marketing, sorted (no consent record: not recalled)."""
    dormant = staged.index[staged["stage"] == "dormant"]
    chosen = dormant[dormant.isin(list(marketing_consent))]
    return sorted(chosen.tolist())
