"""A market's lifecycle and recall settings (market config ``lifecycle``), validated once.

Why per market: how long a viewer may stay away before they count as dormant, when a message may
reach them (quiet hours in the market's own time zone) and how large a held-back control group must
be differ by market. Plain pydantic, no pandas: ``livebase.markets.config`` imports it.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Days = Annotated[int, Field(ge=1, le=3650)]


class RecallSettings(BaseModel):
    """How the recall list reaches viewers: channel, frequency cap, quiet hours, control group."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Literal["sns"] = "sns"  # the market's recall topic in its region (infra_cdk/components/recall.py)
    cap_days: Annotated[int, Field(ge=1, le=90)] = 7  # at most one recall message per viewer in this many days
    quiet_start: time = time(21, 0)  # local time from which nothing is sent ...
    quiet_end: time = time(9, 0)  # ... until this local time (may wrap past midnight)
    control_share: Annotated[float, Field(ge=0.0, le=0.5)] = 0.1  # held back, to measure the lift
    outcome_days: Annotated[int, Field(ge=1, le=30)] = 7  # "returned within" this many days of the send
    seed: Annotated[int, Field(ge=0)] = 31  # the control group's draw (stable per viewer and day)

    def quiet_at(self, local: time) -> bool:
        """Whether ``local`` (the market's wall clock) falls in the quiet hours."""
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end


class LifecycleSettings(BaseModel):
    """Days that move a viewer between stages, from orders and activity (visits, watch time, interaction)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    new_within_days: Days = 30
    dormant_after_days: Days = 30  # no order, visit or interaction for this long: dormant
    churned_after_days: Days = 90
    # churn risk: still active, but engagement of the last ``risk_window_days`` fell below
    # ``risk_drop`` times that of the window before it
    risk_window_days: Annotated[int, Field(ge=3, le=90)] = 14
    risk_drop: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    recall: RecallSettings = RecallSettings()

    @model_validator(mode="after")
    def _ordered(self) -> LifecycleSettings:
        if self.dormant_after_days >= self.churned_after_days:
            raise ValueError(
                f"dormant_after_days ({self.dormant_after_days}) must be below churned_after_days "
                f"({self.churned_after_days})"
            )
        return self
