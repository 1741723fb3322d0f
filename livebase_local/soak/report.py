"""The soak benchmark's report (``benchmarks/soak.py``): what went wrong, named; then its figures.

The detail first (findings with what they name, the runner's counters, the fault windows, the
producer's retries, informational counts), then the judged figures as ``name: value`` lines last,
which ``main`` returns for the suite's smoke test to assert on.
"""

from __future__ import annotations

import time
from typing import Any

from livebase_local.soak.audit import Findings

FIGURES = ("records_put", "records_lost", "orders_applied_twice", "units_oversold", "phantom_units",
           "alerts_duplicated", "room_totals_counted_twice", "parked_counted_twice", "dlq_unexplained",
           "order_lives", "order_lives_off_plan", "refused_with_reason", "hostile_applied", "parked_before_replay",
           "parked_after_replay", "trial_balance_off", "statements_unreconciled",
           "settlement_transactions")  # fmt: skip


def p99(values: list[float]) -> float:
    return values[min(len(values) - 1, round(0.99 * (len(values) - 1)))] * 1000 if values else float("nan")


def report(soak: Any, findings: Findings, started: float) -> dict[str, Any]:
    under, every, unseen = soak.latencies()
    produced = [p.produced for p in soak.producers.values()]
    findings.counts["records_put"] = sum(p.put for p in produced)
    for name, named in findings.named.items():
        if findings.counts[name]:
            print(f"{name} ({findings.counts[name]}):")
            for what in named:
                print(f"  {what}")
    for note in soak.notes:
        print(f"note: {note}")
    counters = soak.status.get("counters", {})
    print("runner (since its last start): " + ", ".join(
        f"{k} invocations={c['invocations']} errors={c['handler_errors']} dlq={c['sent_to_dlq']}"
        for k, c in counters.items()))  # fmt: skip
    print(f"runner last errors: {soak.status.get('last_errors', [])[-4:]}")
    for w in soak.windows:
        at = w.start - min(x.start for x in soak.windows)
        print(f"fault: {w.kind} at +{at:.1f} s for {w.end - w.start:.1f} s, share {w.share}")
    print(f"producer: failed records put again {sum(p.failed_records for p in produced)}, "
          f"failed calls {sum(p.failed_calls for p in produced)}")  # fmt: skip
    info = ("stream_records", "stream_duplicates", "quarantined_records", "dlq_quarantine_messages",
            "dlq_left_by_replay", "replayed_records_in_stream", "orders_in_stream", "units_reserved", "orders_shipped",
            "returns_restocked", "alerts_delivered", "alerts_lost", "order_lives_unfinished",
            "lives_cancelled_on_the_stream", "order_messages_on_dlq")  # fmt: skip
    for name in sorted(n for n in findings.counts if n.startswith(("lifecycle:", "messages_sent:"))):
        print(f"{name}: {findings.counts[name]}")
    for name in info:
        print(f"{name}: {findings.counts[name]}")
    print(f"probes: {len(every)} seen, {unseen} not seen; under faults {len(under)}")
    print(f"p50_ms_all: {every[len(every) // 2] * 1000 if every else float('nan'):.0f}")
    print(f"p99_ms_all: {p99(every):.0f}")
    print(f"p99_ms_by_fault: {soak.latency_by_fault()}")
    print(f"max_ms_under_faults: {(under[-1] * 1000) if under else float('nan'):.0f}")
    print(f"drain_s: {soak.drain_s:.1f}")
    print(f"recoveries_s: { {k: (None if v is None else round(v, 1)) for k, v in soak.recoveries.items()} }")
    print(f"total_s: {time.time() - started:.0f}")
    figures: dict[str, Any] = {name: findings.counts[name] for name in FIGURES}
    figures["p99_ms_under_faults"] = round(p99(under)) if under else "no probe under faults"
    known = [v for v in soak.recoveries.values() if v is not None]
    lost_recovery = len(known) < 2
    figures["recovery_s_after_restart"] = "not recovered" if lost_recovery else round(max(known), 1)
    for name, value in figures.items():
        print(f"{name}: {value}")
    return figures
