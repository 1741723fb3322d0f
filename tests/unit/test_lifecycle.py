"""livebase.lifecycle on small hand-made order sets whose answers are worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from livebase.lifecycle.analysis import analyse
from livebase.lifecycle.cohorts import cohort_retention, retention_matrix
from livebase.lifecycle.frame import OrdersFrameError, orders_frame
from livebase.lifecycle.rfm import SEGMENTS
from livebase.lifecycle.stages import StageRules, recall_list

AS_OF = datetime(2026, 11, 30, tzinfo=UTC)


def viewer(n: int) -> str:
    return f"v_{n:032x}"


def order(n: int, days_ago: float, total: float = 10.0, status: str = "placed", **extra: Any) -> dict[str, Any]:
    return {
        "viewer_id": viewer(n),
        "placed_at": AS_OF - timedelta(days=days_ago),
        "total": total,
        "status": status,
        **extra,
    }


def sample() -> pd.DataFrame:
    return orders_frame([
        order(1, 3, 50), order(1, 40, 20),  # first 40 days ago, last 3: active, repeat
        order(2, 5, 15),  # first order 5 days ago: new
        order(3, 45, 30), order(3, 60, 30),  # last 45 days ago: dormant, repeat
        order(4, 50, 10),  # dormant
        order(5, 120, 80),  # churned
        order(6, 10, 99, status="rejected"),  # never bought: not a buyer
        order(7, 2, 25, status="cancelled"),
        order(2, 1, 5, channel="share_link"), order(1, 2, 12, channel="campaign", campaign="bf-2026"),
    ])  # fmt: skip


def test_stages_follow_days_since_first_and_last_order() -> None:
    result = analyse(sample(), AS_OF.date())
    stage = result.staged["stage"].astype(str).to_dict()
    assert stage == {
        viewer(1): "active",
        viewer(2): "new",
        viewer(3): "dormant",
        viewer(4): "dormant",
        viewer(5): "churned",
    }
    assert result.stage_sizes == {"new": 1, "active": 1, "churn_risk": 0, "dormant": 2, "churned": 1}


def test_totals_repeat_rate_and_checkout_conversion() -> None:
    result = analyse(sample(), AS_OF.date())
    assert result.buyers == 5 and result.orders_placed == 9 and result.orders_attempted == 11
    assert result.gmv == pytest.approx(50 + 20 + 15 + 30 + 30 + 10 + 80 + 5 + 12)
    assert (result.repeat.buyers, result.repeat.repeat_buyers) == (5, 3)  # viewers 1, 2 and 3
    assert result.checkout_conversion == pytest.approx(9 / 11)


def test_recall_list_is_dormant_viewers_with_marketing_consent_only() -> None:
    staged = analyse(sample(), AS_OF.date()).staged
    assert recall_list(staged, {viewer(3), viewer(1), viewer(5)}) == [viewer(3)]  # 1 active, 5 churned
    assert recall_list(staged, set()) == []


def test_orders_after_as_of_are_not_counted() -> None:
    result = analyse(sample(), (AS_OF - timedelta(days=6)).date())
    assert viewer(2) not in result.staged.index  # its orders came later
    assert result.staged.loc[viewer(1), "inactive_days"] == 35  # from the end of as_of to 40 days ago


def test_rfm_segments_rank_recent_frequent_big_spenders_first() -> None:
    scores = analyse(sample(), AS_OF.date()).scores
    assert scores.loc[viewer(1), "segment"] == "champions"
    assert scores.loc[viewer(5), "segment"] in ("hibernating", "at_risk")
    assert set(scores["segment"].astype(str)) <= set(SEGMENTS)
    assert scores["r"].between(1, 5).all() and scores["f"].between(1, 5).all()


def test_channel_attribution_defaults_to_the_room_and_counts_campaigns() -> None:
    table = analyse(sample(), AS_OF.date()).attribution.set_index(["dimension", "key"])
    assert table.loc[("channel", "room"), "orders"] == 7
    assert table.loc[("channel", "share_link"), "viewers"] == 1
    assert table.loc[("campaign", "bf-2026"), "gmv"] == pytest.approx(12)


def test_cohort_retention_by_month_of_first_order() -> None:
    frame = orders_frame([
        {"viewer_id": viewer(1), "placed_at": "2026-09-03T10:00:00Z", "total": 1, "status": "placed"},
        {"viewer_id": viewer(1), "placed_at": "2026-10-03T10:00:00Z", "total": 1, "status": "placed"},
        {"viewer_id": viewer(2), "placed_at": "2026-09-20T10:00:00Z", "total": 1, "status": "placed"},
        {"viewer_id": viewer(2), "placed_at": "2026-09-21T10:00:00Z", "total": 1, "status": "placed"},
        {"viewer_id": viewer(3), "placed_at": "2026-10-01T10:00:00Z", "total": 1, "status": "placed"},
    ])  # fmt: skip
    table = cohort_retention(frame).set_index(["cohort", "offset"])
    assert table.loc[("2026-09", 0), "size"] == 2
    assert table.loc[("2026-09", 1), "retention"] == pytest.approx(0.5)
    assert table.loc[("2026-10", 0), "viewers"] == 1
    assert list(retention_matrix(cohort_retention(frame)).index) == ["2026-09", "2026-10"]


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ({"placed_at": AS_OF, "total": 1, "status": "placed"}, "viewer_id"),
        ({"viewer_id": viewer(1), "placed_at": "yesterday", "total": 1, "status": "placed"}, "placed_at"),
        ({"viewer_id": viewer(1), "placed_at": AS_OF, "total": -1, "status": "placed"}, "total"),
        ({"viewer_id": viewer(1), "placed_at": AS_OF, "total": 1, "status": "lost"}, "status"),
        ({"viewer_id": viewer(1), "placed_at": AS_OF, "total": 1, "status": "placed", "channel": "tv"}, "channel"),
    ],
)
def test_bad_orders_are_refused_naming_the_column(row: dict[str, Any], column: str) -> None:
    with pytest.raises(OrdersFrameError, match=column):
        orders_frame([row])


def test_stage_rules_refuse_an_impossible_order() -> None:
    with pytest.raises(ValueError, match="dormant_after"):
        StageRules(dormant_after=90, churned_after=30)


def test_an_erased_viewers_orders_count_in_totals_but_never_as_a_viewer() -> None:
    frame = orders_frame([order(1, 3, 10), order(2, 4, 20), {**order(0, 5, 30), "viewer_id": "erased"}])
    result = analyse(frame, AS_OF.date())
    assert result.gmv == pytest.approx(60) and result.orders_placed == 3
    assert result.buyers == 2 and "erased" not in result.staged.index
    assert result.attribution.set_index("key").loc["room", "viewers"] == 2
    assert result.cohorts["size"].max() == 2
