"""Room-cue latency on the local AWS: from the order that crosses the low mark to the recorded cue.

Starts its own local AWS (moto on a free loopback port and the next), synthesises and deploys
market ``sea`` (``LocalPlatform``, as ``livebase up``), and runs the event-source runner and the
bus-target runner beside it (``LocalPlatform.run_forever``). Each of ``--orders`` (50, at most
500) orders is for a SKU of its own seeded one unit above the market's low mark and takes two,
so each crosses the mark once: the ``orders`` consumer reserves, puts ``stock.low`` naming the
room on the bus, the stack's room-cue rule matches it, the moto process forwards it to the
function's invoke queue, the runner invokes ``room_cue``, which records the MediaLive schedule
request it would send (moto has none). Orders are put one per ``put_records`` call,
``--interval`` (0.2 s) apart, after ``--warmup`` (3) more whose figures are printed apart (the
runner's threads and the handlers' first calls start with them). Latency per order: from just
before its ``put_records`` to the cue's recording time (``recorded_ns``, same clock); p50 / p90 /
p99 / max over the orders. Bounded: at most ``--timeout`` (120 s) of waiting after the last put;
cues not seen by then are counted as lost. Loopback only.

    .venv/bin/python benchmarks/room_cue_latency.py [--orders 50] [--interval 0.2] [--timeout 120] [--warmup 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import boto3

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from livebase.markets.config import load_markets
from livebase.stores.orders import OrderStore
from livebase_local.aws.moto_server import free_port
from livebase_local.platform import LocalPlatform
from livebase_local.runner.recorded_cues import recorded_cues
from livebase_local.simulator.stock import seed_stock, write_price_list

MARKET = "sea"
ROOM = "sea-bench-room"
MAX_ORDERS = 500
PRICE = "9.90"  # the catalogue's list price of every benchmark SKU, and what the orders say


def order_record(order_id: str, sku: str) -> bytes:
    now = datetime.now(UTC)
    body = {
        "event_id": f"evt-{order_id}", "type": "order_placed", "market": MARKET, "room_id": ROOM,
        "session_id": "sess-bench", "ts": f"{now:%Y-%m-%dT%H:%M:%S}Z", "viewer_id": "v_0123456789abcdef0123",
        "order_id": order_id, "currency": "SGD", "lines": [{"sku": sku, "quantity": 2, "unit_price": PRICE}],
    }  # fmt: skip
    return json.dumps(body).encode()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--warmup", type=int, default=3, help="first orders left out of the percentiles")
    args = parser.parse_args()
    warmup = max(0, min(args.warmup, MAX_ORDERS))
    count = max(1, min(args.orders, MAX_ORDERS)) + warmup
    started = time.perf_counter()
    low_mark = load_markets()[MARKET].alerts.low_stock_units
    with (
        tempfile.TemporaryDirectory(prefix="livebase-bench-cue-") as state,
        LocalPlatform([MARKET], port=free_port(), state_dir=Path(state)) as platform,
    ):
        resources = platform.runtimes[MARKET].resources
        setup_s = time.perf_counter() - started
        run = uuid.uuid4().hex[:6].upper()
        skus = [f"SKU-BENCH-{run}-{n:04d}" for n in range(count)]
        seed_stock(resources, {sku: low_mark + 1 for sku in skus}, receipt_prefix="bench")
        write_price_list(resources, dict.fromkeys(skus, PRICE), supplier="SUP-BENCH")  # listed, or refused
        stop = threading.Event()
        runner = threading.Thread(target=platform.run_forever, args=(stop,), name="runner", daemon=True)
        runner.start()
        kinesis = boto3.client("kinesis", region_name=resources.region)
        put_ns: dict[str, int] = {}
        for n, sku in enumerate(skus):
            put_ns[sku] = time.time_ns()
            kinesis.put_records(
                StreamName=resources.stream_name,
                Records=[{"PartitionKey": f"pk-{n}", "Data": order_record(f"ord-bench-{run}-{n:04d}", sku)}],
            )
            time.sleep(args.interval)
        deadline = time.monotonic() + args.timeout
        seen: dict[str, int] = {}
        while len(seen) < count and time.monotonic() < deadline:
            for cue in recorded_cues(resources):
                sku = cue["metadata"]["sku"]
                if sku in put_ns and sku not in seen:
                    seen[sku] = int(cue["recorded_ns"])
            time.sleep(0.5)
        stop.set()
        decided = OrderStore.for_market(resources).status_counts()
        cues_per_sku = {sku: 0 for sku in skus}
        for cue in recorded_cues(resources):
            if cue["metadata"]["sku"] in cues_per_sku:
                cues_per_sku[cue["metadata"]["sku"]] += 1
    every = [(seen[sku] - put_ns[sku]) / 1e9 for sku in skus if sku in seen]  # in put order
    latencies = [(seen[sku] - put_ns[sku]) / 1e9 for sku in skus[warmup:] if sku in seen]
    if every:
        print("warm-up (ms): " + ", ".join(f"{v * 1000:.0f}" for v in every[:warmup]))
        slowest = sorted(range(len(latencies)), key=lambda i: -latencies[i])[:5]
        print("slowest (order #: ms): " + ", ".join(f"{i + warmup}: {latencies[i] * 1000:.0f}" for i in slowest))
    print(f"setup_s: {setup_s:.1f}  (moto + synth + deploy of {MARKET})")
    print(f"warmup_orders: {warmup}")
    print(f"orders: {count - warmup}")
    print(f"cues_recorded: {len(seen)}")  # warm-up included, as below
    print(f"cues_lost: {count - len(seen)}")
    print(f"cues_duplicated: {sum(1 for v in cues_per_sku.values() if v > 1)}")
    if latencies:
        print(f"cue_latency_p50_ms: {statistics.median(latencies) * 1000:.0f}")
        print(f"cue_latency_p90_ms: {percentile(latencies, 0.9) * 1000:.0f}")
        print(f"cue_latency_p99_ms: {percentile(latencies, 0.99) * 1000:.0f}")
        print(f"cue_latency_max_ms: {max(latencies) * 1000:.0f}")
    print(f"bench_total_s: {time.perf_counter() - started:.0f}")
    if not seen:
        orders = ", ".join(f"{status} {n}" for status, n in sorted(decided.items())) or "none stored"
        raise SystemExit(f"no cue was recorded within {args.timeout:.0f} s: nothing measured (orders: {orders})")


if __name__ == "__main__":
    main()
