"""One order-to-replenish run per market at a time, against a real (test) Prefect server."""

from __future__ import annotations

import time

import pytest

from flows.market_limits import MARKET_SLOTS, ensure_market_limits, limit_name, market_slots


def test_limits_are_created_once_with_one_slot_per_market(prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client

    flow_name = "limits-test-flow"
    assert ensure_market_limits(flow_name, ["sea", "eu"]) == [f"{flow_name}:sea", f"{flow_name}:eu"]
    ensure_market_limits(flow_name, ["sea", "eu"])  # again: no error, nothing added
    with get_client(sync_client=True) as client:
        ours = [lim for lim in client.read_global_concurrency_limits(limit=200) if lim.name.startswith(flow_name)]
    assert sorted(lim.name for lim in ours) == [f"{flow_name}:eu", f"{flow_name}:sea"]
    assert all(lim.limit == MARKET_SLOTS == 1 and lim.active for lim in ours)


def test_a_second_run_for_a_held_market_is_refused_and_other_markets_are_not(prefect_harness: None) -> None:
    from flows.order_to_replenish import order_to_replenish

    started = time.monotonic()
    with market_slots("order-to-replenish", ["sea"]):  # as the hourly run holds sea
        state = order_to_replenish(markets=["sea"], wait_seconds=2, return_state=True)  # a stock.low run
        assert state.is_failed()
        with pytest.raises(TimeoutError):
            state.result()
        with market_slots("order-to-replenish", ["eu"], wait_seconds=10):
            pass  # another market is not held back
    with market_slots("order-to-replenish", ["sea"], wait_seconds=10):
        pass  # released when the first run ends
    assert limit_name("order-to-replenish", "sea") == "order-to-replenish:sea"
    assert time.monotonic() - started < 20
