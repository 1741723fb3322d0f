"""RFM: recency, frequency and monetary value per viewer, scored 1-5 and named as segments.

Scores are quintiles of each measure's rank within the market (ties share a rank), so segment
sizes are comparable across markets of very different size and currency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# The named segments, in the order they are tested (the first match wins).
SEGMENTS = ("champions", "loyal", "promising", "needs_attention", "at_risk", "hibernating")


def _quintile(values: pd.Series, *, higher_is_better: bool = True) -> np.ndarray:
    pct = values.rank(method="average", pct=True, ascending=higher_is_better).to_numpy()
    return np.clip(np.ceil(pct * 5), 1, 5).astype("int8")


def rfm_scores(viewers: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per viewer (the frame of ``frame.viewer_summary``): recency days, scores and segment."""
    recency = (as_of - viewers["last"]).dt.days.astype("int32")
    r = _quintile(recency, higher_is_better=False)
    f = _quintile(viewers["orders"])
    m = _quintile(viewers["spend"])
    fm = np.round((f.astype("int16") + m) / 2).astype("int8")
    conditions = [
        (r >= 4) & (fm >= 4),
        (r >= 3) & (fm >= 3),
        (r >= 4) & (fm <= 2),
        (r == 3) & (fm <= 2),
        (r <= 2) & (fm >= 3),
    ]
    segment = np.select(conditions, list(SEGMENTS[:-1]), default=SEGMENTS[-1])
    return pd.DataFrame(
        {
            "recency_days": recency,
            "frequency": viewers["orders"].astype("int32"),
            "monetary": viewers["spend"],
            "r": r,
            "f": f,
            "m": m,
            "segment": pd.Categorical(segment, categories=SEGMENTS),
        },
        index=viewers.index,
    )


def segment_sizes(scores: pd.DataFrame) -> pd.DataFrame:
    """Viewers and spend per segment (every segment listed, empty ones with 0)."""
    grouped = scores.groupby("segment", observed=False)
    return pd.DataFrame({"viewers": grouped.size(), "spend": grouped["monetary"].sum()}).reset_index()
