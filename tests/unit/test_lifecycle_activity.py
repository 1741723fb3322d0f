"""Stages from activity as well as orders (seed 3.2): worked out by hand on a few viewers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from livebase.lifecycle.activity import activity_frame, batch_activity, seen_between, viewer_activity
from livebase.lifecycle.analysis import analyse
from livebase.lifecycle.frame import as_of_timestamp, orders_frame
from livebase.lifecycle.settings import LifecycleSettings
from livebase.lifecycle.stages import StageRules, recall_list

AS_OF = datetime(2026, 11, 30, tzinfo=UTC)
END = as_of_timestamp(AS_OF.date())


def viewer(n: int) -> str:
    return f"v_{n:032x}"


def visit(n: int, days_ago: float, minutes: float = 20, likes: int = 0, room: str = "r1") -> list[tuple[Any, ...]]:
    start = END.to_pydatetime() - timedelta(days=days_ago)
    rows: list[tuple[Any, ...]] = [("viewer_joined", viewer(n), room, start)]
    rows += [("like", viewer(n), room, start + timedelta(minutes=1 + i)) for i in range(likes)]
    return [*rows, ("viewer_left", viewer(n), room, start + timedelta(minutes=minutes))]


def test_batch_rows_name_their_viewer_and_watch_time_pairs_a_leave_with_its_join() -> None:
    rows = batch_activity([*visit(1, 2, minutes=30, likes=3), ("order_placed", viewer(9), "r1", AS_OF)])
    assert [(r["viewer"], len(r["joins"]), len(r["leaves"]), r["interactions"]) for r in rows] == [(viewer(1), 1, 1, 3)]
    summary = viewer_activity(activity_frame(rows), END, 14)
    assert summary.loc[viewer(1), "watch_s"] == 30 * 60 and summary.loc[viewer(1), "visits"] == 1


def test_a_viewer_who_watches_but_never_buys_is_active_and_a_buyer_who_stopped_visiting_is_dormant() -> None:
    orders = orders_frame([
        {"viewer_id": viewer(1), "placed_at": AS_OF - timedelta(days=60), "total": 10, "status": "placed"},
        {"viewer_id": viewer(2), "placed_at": AS_OF - timedelta(days=60), "total": 10, "status": "placed"},
    ])  # fmt: skip
    activity = activity_frame(batch_activity([*visit(1, 3), *visit(3, 40), *visit(4, 100), *visit(4, 40)]))
    staged = analyse(orders, AS_OF.date(), StageRules(), activity).staged["stage"].astype(str).to_dict()
    # 1 ordered 60 days ago but visited 3 days ago; 2 neither; 3 only watched, 40 days ago; 4 first seen 100 days ago
    assert staged == {viewer(1): "active", viewer(2): "dormant", viewer(3): "dormant", viewer(4): "dormant"}
    assert recall_list(analyse(orders, AS_OF.date(), None, activity).staged, {viewer(1), viewer(3)}) == [viewer(3)]


def test_engagement_falling_below_half_of_the_window_before_is_churn_risk() -> None:
    batches = [visit(1, day, likes=4) for day in range(15, 28)] + [visit(1, 2, minutes=2)]  # one batch per visit
    batches += [visit(2, day, likes=4) for day in range(1, 28)]
    activity = activity_frame([row for batch in batches for row in batch_activity(batch)])
    lifecycle = analyse(orders_frame([]), AS_OF.date(), StageRules(new_within=7), activity)
    assert lifecycle.staged["stage"].astype(str).to_dict() == {viewer(1): "churn_risk", viewer(2): "active"}
    assert lifecycle.stage_sizes["churn_risk"] == 1 and lifecycle.buyers == 0


def test_seen_between_finds_who_came_back() -> None:
    frame = activity_frame(batch_activity(visit(1, 5) + visit(2, 20)))
    assert seen_between(frame, END - timedelta(days=7), END) == {viewer(1)}


def test_market_settings_give_the_rules_and_refuse_an_impossible_order() -> None:
    rules = StageRules.of(LifecycleSettings(dormant_after_days=21, churned_after_days=60, risk_drop=0.4))
    assert (rules.dormant_after, rules.churned_after, rules.risk_drop) == (21, 60, 0.4)
    with pytest.raises(ValueError, match="dormant_after_days"):
        LifecycleSettings(dormant_after_days=90, churned_after_days=60)
