"""Lifecycle stages (new, active, dormant, churned) and the recall list of dormant viewers.

A viewer is *new* while their first order is recent, *active* while their last one is, *dormant*
after ``dormant_after`` days without an order and *churned* after ``churned_after``. Dormant
viewers are recalled, but only those whose latest consent grants marketing: the recall list is
personal data and stays in the market's region.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

STAGES = ("new", "active", "dormant", "churned")


@dataclass(frozen=True)
class StageRules:
    """Days that move a viewer on; validated so a stage can never be empty by construction."""

    new_within: int = 30
    dormant_after: int = 30
    churned_after: int = 90

    def __post_init__(self) -> None:
        if not 1 <= self.new_within <= 365:
            raise ValueError(f"new_within: {self.new_within} days, must be 1..365")
        if not 1 <= self.dormant_after < self.churned_after <= 3650:
            raise ValueError(
                f"dormant_after ({self.dormant_after}) must be >= 1 and below churned_after ({self.churned_after})"
            )


def stages(viewers: pd.DataFrame, as_of: pd.Timestamp, rules: StageRules | None = None) -> pd.DataFrame:
    """Per viewer: days since the first and the last order, and the stage (index: viewer)."""
    rules = rules or StageRules()
    tenure = (as_of - viewers["first"]).dt.days.to_numpy()
    inactive = (as_of - viewers["last"]).dt.days.to_numpy()
    stage = np.select(
        [tenure < rules.new_within, inactive < rules.dormant_after, inactive < rules.churned_after],
        ["new", "active", "dormant"],
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
