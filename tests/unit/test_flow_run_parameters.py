"""`./livebase run` checks a run's parameters before creating it (issue 30): a date must be a real one,
every bad field and unknown name is named at once, a list also takes a,b."""

from __future__ import annotations

import pytest

from livebase_local.commands.flow_run import FlowRunError, flow_named, parse_parameters


def test_a_date_that_does_not_exist_is_refused_before_the_run_is_created() -> None:
    with pytest.raises(FlowRunError, match="start: Input should be a valid date"):
        parse_parameters(flow_named("session-planning"), ["start=2026-13-40"])


def test_every_fault_is_named_at_once() -> None:
    with pytest.raises(FlowRunError) as refused:
        parse_parameters(flow_named("order-to-replenish"), ["as_of=2026-02-30", "history_days=3", "bogus=1", "x"])
    message = str(refused.value)
    for fault in ("as_of: Input should be a valid date", "history_days: Input should be greater than or equal to 14",
                  "bogus: not a parameter of order-to-replenish", "'x': each parameter is name=value"):  # fmt: skip
        assert fault in message


def test_values_are_json_or_text_and_a_list_takes_commas() -> None:
    parsed = parse_parameters(flow_named("order-to-replenish"), ["markets=sea,eu", "dry_run=true", "as_of=2026-12-01"])
    assert parsed == {"markets": ["sea", "eu"], "dry_run": True, "as_of": "2026-12-01"}
    with pytest.raises(FlowRunError, match="unknown flow 'nope'; choose from order-to-replenish"):
        flow_named("nope")
