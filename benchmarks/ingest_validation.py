"""Ingest hot path per core: base64 + schema validation + room aggregation vs a bare json.loads loop.

The batch is 10,000 mixed records from the seeded simulator (prime time in the sea market, 1%
malformed), shaped as a Lambda Kinesis event delivers them (base64 text). Paths timed:

- validate+aggregate: b64decode, ``livebase.live.admission.admit`` (limits, pydantic schema,
  market, time window: what every consumer decides), then
  ``livebase.live.room_metrics.BatchAggregator`` (with comment sentiment) and ``to_items``;
- validate only: b64decode + ``admit``;
- limit: b64decode + ``json.loads`` (no validation at all).

CPU time of this process (single thread), best of ``--repeat`` rounds with the paths interleaved:
records/s per core, so other load on the machine inflates it less than wall time would (it still
does, through shared caches: compare the ratio line across runs rather than absolute figures).
Target: >= 50,000 records/s/core for the validation path.

    .venv/bin/python benchmarks/ingest_validation.py [--repeat 5] [--records 10000]
"""

from __future__ import annotations

import argparse
import base64
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from livebase.live.admission import Refused, admit
from livebase.live.room_metrics import BatchAggregator, to_items
from livebase.markets.config import load_markets
from livebase_local.simulator.model import DEFAULT_DAY
from livebase_local.simulator.records import generate_day

TARGET = 50_000
ARRIVAL = datetime.combine(DEFAULT_DAY + timedelta(days=1), datetime.min.time(), UTC)  # the day has arrived
SHARD = "shardId-000000000000"


def make_batch(count: int) -> list[tuple[str, str]]:
    """(sequence number, base64 data) of ``count`` records from the busiest part of the day."""
    sea = load_markets()["sea"]
    records = list(generate_day(sea, 42, scale=0.3, malformed_share=0.01))
    start = len(records) // 2  # around prime time's flash sale: every event type is present
    chosen = records[start : start + count]
    base = 49_656_830_455_137_459_624_123_785_011_541_339_145_347_722_683_409_874_946
    return [(str(base + i), base64.b64encode(r.data).decode()) for i, r in enumerate(chosen)]


def validate_and_aggregate(batch: list[tuple[str, str]]) -> int:
    """What the ingest handler does per batch: admit every record, fold the admitted ones."""
    market = load_markets()["sea"]
    aggregator = BatchAggregator(market, SHARD)
    bad = 0
    for sequence, data in batch:
        admission = admit(base64.b64decode(data), market, ARRIVAL)
        if isinstance(admission, Refused):
            bad += 1
            continue
        aggregator.add(sequence, admission.event)
    to_items(aggregator)
    return bad


def validate_only(batch: list[tuple[str, str]]) -> int:
    """The admission alone (limits, schema, market, time window)."""
    market = load_markets()["sea"]
    return sum(isinstance(admit(base64.b64decode(data), market, ARRIVAL), Refused) for _, data in batch)


def json_loads_only(batch: list[tuple[str, str]]) -> int:
    bad = 0
    for _, data in batch:
        try:
            json.loads(base64.b64decode(data))
        except ValueError:
            bad += 1
    return bad


def best_cpu_seconds(
    paths: list[Callable[[list[tuple[str, str]]], int]], batch: list[tuple[str, str]], repeat: int
) -> list[float]:
    """Best CPU time per path; paths interleave in each round so they share the machine's load."""
    best = [float("inf")] * len(paths)
    for _ in range(repeat):
        for i, path in enumerate(paths):
            started = time.process_time()
            path(batch)
            best[i] = min(best[i], time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    batch = make_batch(args.records)
    kinds: dict[str, int] = {}
    for _, data in batch:
        try:
            kind = json.loads(base64.b64decode(data)).get("type", "?")
        except ValueError:
            kind = "invalid-json"
        kinds[kind] = kinds.get(kind, 0) + 1
    validate_and_aggregate(batch[:500])  # warm caches (lexicons, pydantic)
    bad = validate_and_aggregate(batch)
    full, parse, limit = best_cpu_seconds([validate_and_aggregate, validate_only, json_loads_only], batch, args.repeat)
    n = len(batch)
    print("mix: " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])))
    print(f"records: {n}")
    print(f"rejected_by_validation: {bad}")
    print(f"validate_aggregate_records_per_s_per_core: {n / full:.0f}")
    print(f"validate_only_records_per_s_per_core: {n / parse:.0f}")
    print(f"json_loads_records_per_s_per_core: {n / limit:.0f}")
    print(f"ratio_validate_aggregate_to_json_loads: {limit / full:.2f}")
    print(f"target_{TARGET}_met: {'yes' if n / full >= TARGET else 'no'}")


if __name__ == "__main__":
    main()
