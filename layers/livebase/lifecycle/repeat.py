"""Repeat-purchase rate: the share of buyers with more than one placed order."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class RepeatRate:
    buyers: int
    repeat_buyers: int

    @property
    def rate(self) -> float:
        return self.repeat_buyers / self.buyers if self.buyers else 0.0


def repeat_rate(viewers: pd.DataFrame) -> RepeatRate:
    """From ``frame.viewer_summary``: buyers, and those of them with two or more orders."""
    return RepeatRate(buyers=len(viewers), repeat_buyers=int((viewers["orders"] >= 2).sum()))
