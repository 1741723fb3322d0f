"""The soak benchmark, short: every fault of issue 21 at least once, and every count 0.

One market (the benchmark's default is two), a half-minute at a low rate (the schedule scales its
windows to the run: the runner and the Kinesis process are each killed and restarted, DynamoDB
throttles, EventBridge fails puts, the handlers storm, a stretch of batches is delivered twice),
the accepted orders' after-sale lives (shipments, cancels, returns, refunds, a hostile share
refused), the operator's replay of what was parked, then the audit of ``benchmarks/soak.py`` over
the real tables, queues, DLQs and stream.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[2] / "benchmarks" / "soak.py"


@pytest.mark.slow
@pytest.mark.timeout(600)  # ~55 s alone, ~75 s beside the suite's other worker
def test_soak_smoke_counts_are_zero() -> None:
    spec = importlib.util.spec_from_file_location("soak_benchmark", SOAK)
    assert spec is not None and spec.loader is not None
    soak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(soak)
    figures = soak.main(["--minutes", "0.4", "--rate", "200", "--shards", "2", "--drain", "120", "--timeout", "5",
                         "--markets", "sea"])  # fmt: skip
    counts = ("records_lost", "orders_applied_twice", "units_oversold", "phantom_units", "alerts_duplicated",
              "room_totals_counted_twice", "parked_counted_twice", "dlq_unexplained", "order_lives_off_plan",
              "hostile_applied", "parked_after_replay", "trial_balance_off", "statements_unreconciled")  # fmt: skip
    assert figures["records_put"] > 0 and figures["order_lives"] > 0  # accepted orders lived their lives
    assert figures["settlement_transactions"] > 0  # and the day settled (issue 33)
    assert {name: figures[name] for name in counts} == dict.fromkeys(counts, 0)
    assert figures["recovery_s_after_restart"] != "not recovered"
