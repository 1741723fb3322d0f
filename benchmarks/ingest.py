"""Stream consumer speed: throughput per core against the local AWS, and end-to-end latency.

Starts its own moto server on a free port, synthesises and deploys market ``sea`` only, loads
the stream's two consumers in-process (ingest and orders, as ``livebase up`` does) and measures:

1. **Throughput**: one Kinesis event of ``--records`` (10,000) mixed simulated records (prime
   time, 1% malformed) through ingest's ``lambda_handler``, and the order events among them
   (what the orders mapping's filter lets through) through the orders one, with every
   persistence call (orders, stock, room totals, alert queries, quarantine) going to moto; CPU
   is the sum of both invocations. The same records through a bare
   ``base64`` + ``json.loads`` loop as the limit. CPU time is read two ways: the handler
   thread's own (``time.thread_time``: our code plus the boto3 client side) and that plus the
   moto server process's (which serves the calls; read from ``/proc``). The pure-validation
   path comes from ``benchmarks/ingest_validation.py``.
2. **End to end**: a producer thread puts ``--rate`` (1,000) events/s for ``--seconds`` (25) in
   ``put_records`` calls every 100 ms; the event-source runner (``EventSources.run_forever``:
   both mappings with their own settings, a worker and handler instance per shard and function,
   as ``livebase up``) runs beside it. The simulated records are re-stamped to the moment they
   are put (see ``live``). Some records are probes: a like in room ``sea-probe`` stamped "now";
   a poller reads that room's shard totals and a probe counts as visible once the total of its
   shard covers its sequence number. Latency is from just before its ``put_records`` call to
   the poll that saw it. Use ``--seconds 90`` or more to cross minute boundaries (judging).

moto runs in processes of its own (:mod:`livebase_local.aws.moto_process`: one for Kinesis, one for the
rest), as in ``livebase up``; the producer, runner, handlers and poller share this one. Locally
moto's own costs dominate (about 5-10 ms of Python per call under load; shared/README.md).

    .venv/bin/python benchmarks/ingest.py [--records 10000] [--rate 1000] [--seconds 25] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import pstats
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import boto3

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from ingest_validation import best_cpu_seconds, json_loads_only, validate_only  # beside this script

from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources
from livebase.stores.orders import OrderStore
from livebase_local.aws.deploy import MarketDeployment, deploy_assembly
from livebase_local.aws.env import apply_local_environment, restore_environment
from livebase_local.aws.moto_server import LocalAws, free_port
from livebase_local.platform import stream_consumers
from livebase_local.runner.functions import Handler, function_folder, load_handler
from livebase_local.runner.lambda_shapes import LambdaContext, kinesis_event
from livebase_local.runner.record_filters import RecordFilter
from livebase_local.runner.sources import EventSources
from livebase_local.simulator.records import SimRecord, generate_day, recent_day, restamped
from livebase_local.simulator.stock import seed_stock, write_catalogue

MARKET = "sea"
SHARD = "shardId-000000000000"
SEQ_BASE = 49_656_830_455_137_459_624_123_785_011_541_339_145_347_722_683_409_874_946
PROBE_ROOM = "sea-probe"
TICK = 0.1  # producer: one put_records call per tick


def bring_up(workdir: Path) -> MarketDeployment:
    """Synthesise the CDK app for ``sea`` (in-process, as the integration tests do) and deploy it."""
    from infra_cdk.app import build_app, synth_errors

    markets = {k: m for k, m in load_markets().items() if k == MARKET}
    errors = synth_errors(build_app(outdir=str(workdir / "cdk.out"), markets=markets).synth())
    if errors:
        raise RuntimeError(f"synth failed: {errors}")
    return deploy_assembly(workdir / "cdk.out", [MARKET])[MARKET]


def simulated(count: int) -> list[SimRecord]:
    """``count`` records from the middle of the simulated day (prime time: every event type)."""
    day = list(generate_day(load_markets()[MARKET], 42, scale=0.3, malformed_share=0.01, day=recent_day()))
    start = max(0, len(day) // 2 - count // 2)
    return day[start : start + count]


def seed_ordered_skus(resources: MarketResources, records: list[SimRecord]) -> int:
    """Stock and list prices for the SKUs the batch orders, so orders take the reserve path, not just
    rejections (the orders consumer prices every line from the catalogue)."""
    skus = write_catalogue(resources, records)
    seed_stock(resources, dict.fromkeys(skus, 1_000_000), receipt_prefix="bench")
    return len(skus)


def as_get_records(records: list[SimRecord], first_seq: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {"SequenceNumber": str(first_seq + i), "PartitionKey": r.partition_key, "Data": r.data,
         "ApproximateArrivalTimestamp": now}
        for i, r in enumerate(records)
    ]  # fmt: skip


def throughput(
    handlers: dict[str, Handler], deployment: MarketDeployment, records: list[SimRecord], profile: bool, aws: LocalAws
) -> dict[str, float]:
    """One big invocation per consumer: thread CPU, process CPU and wall seconds; plus the json.loads limit."""
    # The live-event stream's consumers only (the market's other streams, e.g. studio telemetry, are not measured).
    folders = {function_folder(c.function_name, MARKET): c for c in deployment.event_sources}
    configs = {name: config for name, config in folders.items() if name in handlers}
    batches = {}
    for function, config in configs.items():
        keeps = RecordFilter(config.filter_patterns).keeps
        warm = [r for r in as_get_records(records[:200], SEQ_BASE - 1_000_000) if keeps(r)]
        if warm:  # Lambda never invokes with an empty batch
            handlers[function](kinesis_event(warm, SHARD, config), LambdaContext(config))  # clients, pydantic, lexicons
        kept = [r for r in as_get_records(records, SEQ_BASE) if keeps(r)]
        if kept:  # a day's slice may hold no order event: the orders function is then not invoked
            batches[function] = kinesis_event(kept, SHARD, config)
    event = batches["ingest"]
    profiler = cProfile.Profile() if profile else None
    thread0, moto0, wall0 = time.thread_time(), aws.server_cpu_seconds() or 0.0, time.perf_counter()
    if profiler:
        profiler.enable()
    failures = [
        failure
        for function, batch in batches.items()
        for failure in handlers[function](batch, LambdaContext(configs[function])).get("batchItemFailures", [])
    ]
    if profiler:
        profiler.disable()
    thread_s = time.thread_time() - thread0
    wall_s = time.perf_counter() - wall0
    process_s = thread_s + (aws.server_cpu_seconds() or 0.0) - moto0
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    if failures:
        raise RuntimeError(f"the benchmark batch failed: {failures[:3]}")
    pairs = [(r["kinesis"]["sequenceNumber"], r["kinesis"]["data"]) for r in event["Records"]]
    validate_s, limit_s = best_cpu_seconds([validate_only, json_loads_only], pairs, 3)
    return {"thread_s": thread_s, "process_s": process_s, "wall_s": wall_s, "limit_s": limit_s,
            "validate_s": validate_s}  # fmt: skip


def probe_record(n: int, now: datetime) -> dict[str, Any]:
    like = {
        "event_id": f"probe-{uuid.uuid4().hex}", "schema_version": 1, "market": MARKET, "room_id": PROBE_ROOM,
        "session_id": "probe-session", "ts": now.isoformat().replace("+00:00", "Z"),
        "viewer_id": f"v_{n:016x}", "type": "like", "count": 1,
    }  # fmt: skip
    return {"PartitionKey": f"probe-{n}", "Data": json.dumps(like).encode()}


class Probes:
    """Probes in flight and their latencies once the room total covering them is readable.

    Room ``sea-probe`` holds only probes. The handler keeps one running total per (room, minute,
    shard) that records the last sequence number it includes, so a probe is visible once the
    total of its minute and shard has reached its sequence number. Each poll is one BatchGetItem
    of the totals the pending probes fall in (a handful of keys).
    """

    def __init__(self) -> None:
        self.pending: dict[tuple[str, int], tuple[str, float]] = {}  # (shard, seq) -> (minute, put at)
        self.latencies: list[float] = []
        self.lock = threading.Lock()

    def add(self, shard: str, seq: int, minute: str, put_at: float) -> None:
        with self.lock:
            self.pending[(shard, seq)] = (minute, put_at)

    def poll(self, dynamodb: Any, table: str) -> None:
        with self.lock:
            totals = sorted({(minute, shard) for (shard, _), (minute, _) in self.pending.items()})[:100]
        if not totals:
            return
        keys = [{"pk": f"ROOM#{PROBE_ROOM}", "sk": f"MIN#{minute}Z#PART#{shard}"} for minute, shard in totals]
        reply = dynamodb.batch_get_item(RequestItems={table: {"Keys": keys, "ProjectionExpression": "sk, last_seq"}})
        seen = time.perf_counter()
        reached = {
            str(item["sk"]): int(item["last_seq"]) for item in reply["Responses"].get(table, [])
        }  # "MIN#<minute>Z#PART#<shard>" -> last sequence number included
        with self.lock:
            for (shard, seq), (minute, put_at) in list(self.pending.items()):
                if reached.get(f"MIN#{minute}Z#PART#{shard}", -1) >= seq:
                    self.latencies.append(seen - put_at)
                    del self.pending[(shard, seq)]


def produce(
    kinesis: Any, stream: str, records: Iterator[tuple[SimRecord, int]], rate: int, seconds: float, probes: Probes
) -> int:
    """``rate`` events/s in ticks; each tick's first record is a probe. Returns records put."""
    per_tick, sent, n = int(rate * TICK), 0, 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        now = datetime.now(UTC)
        entries = [probe_record(n, now)] + [
            {"PartitionKey": r.partition_key, "Data": restamped(r, now, cycle)}
            for r, cycle in islice(records, per_tick - 1)
        ]
        n += 1
        put_at = time.perf_counter()
        reply = kinesis.put_records(StreamName=stream, Records=entries)
        first = reply["Records"][0]
        if "SequenceNumber" in first:
            probes.add(first["ShardId"], int(first["SequenceNumber"]), f"{now:%Y-%m-%dT%H:%M}", put_at)
        sent += len(entries) - int(reply.get("FailedRecordCount", 0))
        ahead = n * TICK - (time.perf_counter() - started)
        if ahead > 0:
            time.sleep(ahead)
    return sent


def end_to_end(
    deployment: MarketDeployment,
    rate: int,
    seconds: float,
    records: list[SimRecord],
    aws: LocalAws,
    log_dir: Path,
) -> dict[str, float]:
    resources = deployment.resources()
    # Both consumers, a container per shard each, as `livebase up` runs them.
    sources = EventSources(stream_consumers(deployment, resources, log_dir)[0])
    sources.warm()  # a handler container per shard: cold starts before the clock starts
    sources.poll_once()  # TRIM_HORIZON/LATEST iterators and shard list too
    dynamodb = boto3.resource("dynamodb", region_name=resources.region)
    kinesis = boto3.client("kinesis", region_name=resources.region)
    probes, stop = Probes(), threading.Event()

    def poller() -> None:
        while not stop.is_set():
            probes.poll(dynamodb, resources.room_metrics_table)
            stop.wait(0.1)  # every 100 ms: the poller is load on moto too

    def endless() -> Iterator[tuple[SimRecord, int]]:
        for cycle in itertools.count():
            yield from ((record, cycle) for record in records)

    threads = [threading.Thread(target=sources.run_forever, args=(stop,), daemon=True),
               threading.Thread(target=poller, daemon=True)]  # fmt: skip
    for thread in threads:
        thread.start()
    cpu0, moto0, wall0 = time.process_time(), aws.server_cpu_seconds() or 0.0, time.perf_counter()
    sent = produce(kinesis, resources.stream_name, endless(), rate, seconds, probes)
    produced_s = time.perf_counter() - wall0
    deadline = time.perf_counter() + 30
    while probes.pending and time.perf_counter() < deadline:
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    total_s = time.perf_counter() - wall0
    counters = sources.counters()
    lat = sorted(probes.latencies)
    return {
        "sent": sent, "put_rate": sent / produced_s, "probes": len(lat), "lost": len(probes.pending),
        "p50": statistics.median(lat) if lat else float("nan"),
        "p99": lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))] if lat else float("nan"),
        "max": lat[-1] if lat else float("nan"),
        "cpu_share": (time.process_time() - cpu0) / total_s,
        "moto_cpu_share": ((aws.server_cpu_seconds() or 0.0) - moto0) / total_s,
        "handled_per_s": sum(c.succeeded for name, c in counters.items() if name.endswith("-ingest")) / total_s,
        "invocations": sum(c.invocations for c in counters.values()),
        "succeeded": sum(c.succeeded for name, c in counters.items() if name.endswith("-ingest")),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=1_000)
    parser.add_argument("--seconds", type=float, default=25.0)
    parser.add_argument("--profile", action="store_true", help="cProfile the throughput invocation")
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    aws = LocalAws(free_port(), reuse_existing=False).start()
    previous = apply_local_environment(
        aws.endpoint_url, kinesis_endpoint_url=aws.kinesis_endpoint_url, overwrite_real_credentials=True
    )
    try:
        with tempfile.TemporaryDirectory(prefix="livebase-bench-") as tmp:
            workdir = Path(tmp)
            deployment = bring_up(workdir)
            resources = deployment.resources()
            handlers = {f: load_handler(f, resources, log_dir=workdir)[1] for f in ("ingest", "orders")}
            records = simulated(args.records + 200)
            skus = seed_ordered_skus(resources, records)
            setup_s = time.perf_counter() - started
            batch = records[200 : 200 + args.records]
            kinds: dict[str, int] = {}
            for r in batch:
                kinds[r.kind] = kinds.get(r.kind, 0) + 1
            tp = throughput(handlers, deployment, batch, args.profile, aws)
            decided = OrderStore.for_market(resources).status_counts()
            e2e = None if args.skip_e2e else end_to_end(deployment, args.rate, args.seconds, records, aws, workdir)
    finally:
        restore_environment(previous)
        aws.stop()
    n = len(batch)
    print("mix: " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])))
    print(f"setup_s: {setup_s:.1f}  (moto + synth + deploy + stock for {skus} SKUs)")
    print("orders decided: " + (", ".join(f"{status} {n}" for status, n in sorted(decided.items())) or "none"))
    print(
        "throughput: the whole batch through ingest, its order events through orders; per core = handler "
        "thread CPU; with_moto = + moto process"
    )
    if e2e is not None:
        print(f"e2e: {e2e['sent']} records put at {e2e['put_rate']:.0f}/s, {e2e['invocations']} invocations, "
              f"{e2e['succeeded']} records handled, cores busy: this process {e2e['cpu_share']:.2f}, "
              f"moto {e2e['moto_cpu_share']:.2f}")  # fmt: skip
    print(f"records: {n}")
    print(f"handler_wall_s: {tp['wall_s']:.2f}")
    print(f"records_per_s_per_core: {n / tp['thread_s']:.0f}")
    print(f"records_per_s_per_core_with_moto: {n / tp['process_s']:.0f}")
    print(f"records_per_s_wall: {n / tp['wall_s']:.0f}")
    print(f"validate_only_records_per_s_per_core: {n / tp['validate_s']:.0f}")
    print(f"json_loads_records_per_s_per_core: {n / tp['limit_s']:.0f}")
    print(f"ratio_to_json_loads: {tp['limit_s'] / tp['thread_s']:.3f}")
    print(f"ratio_validate_only_to_json_loads: {tp['limit_s'] / tp['validate_s']:.3f}")
    if e2e is not None:
        print(f"e2e_probes: {e2e['probes']}")
        print(f"e2e_probes_not_seen: {e2e['lost']}")
        print(f"e2e_put_records_per_s: {e2e['put_rate']:.0f}")
        print(f"e2e_handled_records_per_s: {e2e['handled_per_s']:.0f}")
        print(f"e2e_p50_ms: {e2e['p50'] * 1000:.0f}")
        print(f"e2e_p99_ms: {e2e['p99'] * 1000:.0f}")
        print(f"e2e_max_ms: {e2e['max'] * 1000:.0f}")
    print(f"bench_total_s: {time.perf_counter() - started:.0f}")


if __name__ == "__main__":
    main()
