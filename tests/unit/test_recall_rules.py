"""Recall delivery's rules (livebase.lifecycle.recall): control group, cap, consent, quiet hours, the lift."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from livebase.lifecycle.recall import (
    CONTROL,
    RECALLED,
    delivery_day,
    delivery_entries,
    delivery_id,
    in_control,
    outcome,
    plan_delivery,
    quiet_until,
)
from livebase.lifecycle.settings import RecallSettings

DAY = date(2026, 12, 7)
MORNING_SG = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 11:00 in Singapore
NIGHT_SG = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 23:00 in Singapore
SETTINGS = RecallSettings(control_share=0.2)


def viewers(n: int) -> list[str]:
    return [f"v_{i:032x}" for i in range(n)]


def test_control_group_is_a_stable_seeded_share() -> None:
    everyone = viewers(2000)
    held = [v for v in everyone if in_control(v, "sea", DAY, SETTINGS)]
    assert 0.17 < len(held) / len(everyone) < 0.23
    assert held == [v for v in everyone if in_control(v, "sea", DAY, SETTINGS)]  # the same draw on a rerun
    assert held != [v for v in everyone if in_control(v, "sea", DAY, SETTINGS.model_copy(update={"seed": 5}))]


def test_only_consenting_uncapped_viewers_are_messaged_and_the_control_group_is_held_back() -> None:
    listed = viewers(100)
    consented = set(listed[:90])  # ten withdrew since the regional run
    capped = set(listed[:5])  # messaged within the cap
    plan = plan_delivery("sea", "Asia/Singapore", DAY, MORNING_SG, listed, consented, capped, SETTINGS)
    assert (plan.withdrawn, plan.capped, len(plan.send) + len(plan.control)) == (10, 5, 85)
    assert not set(plan.send) & (set(listed[90:]) | capped) and not set(plan.send) & set(plan.control)
    assert plan.control and plan.send
    entries = delivery_entries(plan, DAY)
    ids = [e["delivery"] for e in entries if e["group"] == RECALLED]
    assert len(set(ids)) == len(plan.send) and all(delivery_day(i) == DAY for i in ids)
    assert all(e["delivery"] == "" for e in entries if e["group"] == CONTROL)


def test_nothing_is_sent_in_the_markets_quiet_hours() -> None:
    plan = plan_delivery("sea", "Asia/Singapore", DAY, NIGHT_SG, viewers(10), set(viewers(10)), set(), SETTINGS)
    assert plan.send == [] and plan.control == []
    assert plan.deferred_until is not None and plan.deferred_until.time() == time(9, 0)
    assert plan.deferred_until.astimezone(UTC) == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    assert quiet_until(MORNING_SG, "Asia/Singapore", SETTINGS) is None
    late_la = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # 23:00 the evening before in Los Angeles
    assert quiet_until(late_la, "America/Los_Angeles", SETTINGS) is not None
    assert RecallSettings(quiet_start=time(13), quiet_end=time(14)).quiet_at(time(13, 30))


def test_delivery_ids_are_ours_or_refused() -> None:
    assert delivery_day(delivery_id(DAY)) == DAY
    for forged in ("", "20261207", "20261207-xyz", "20261307-" + "0" * 24, "../../etc-" + "0" * 24):
        assert delivery_day(forged) is None


def test_outcome_compares_who_came_back_within_the_window() -> None:
    entries = [{"viewer": v, "group": RECALLED} for v in viewers(10)]
    entries += [{"viewer": v, "group": CONTROL} for v in viewers(14)[10:]]
    back = set(viewers(4)) | {viewers(14)[10]}
    sent = datetime(2026, 12, 1, 3, tzinfo=UTC)
    result = outcome(entries, sent, back, sent + timedelta(days=8), 7)
    assert (result.recalled_returned, result.control_returned, result.window_closed) == (4, 1, True)
    assert result.lift is not None and abs(result.lift - (0.4 - 0.25)) < 1e-9
    assert "lift +15.0 pts" in result.line()
    assert not outcome(entries, sent, back, sent + timedelta(days=3), 7).window_closed
