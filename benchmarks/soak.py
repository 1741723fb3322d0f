"""Soak under faults (issue 21): a live day into 2 markets for 10 minutes, faults injected, then an audit.

How "2,000 events/s across 4 shards" is read: 2,000 records/s in total (``--rate``), split evenly
over the markets (``--markets``, default sea and eu: 1,000/s each), each market's live stream
with 4 shards (``--shards``; moto's on-demand default). Each market's stream is re-created with
``--shards`` shards before anything is put, so the count is the benchmark's, not the deploy's.

Loopback only: moto on 127.0.0.1 (a free port and the next), every client pointed there. Bounded:
``--minutes`` of production, then at most ``--drain`` seconds for the consumers to catch up.
Processes: moto (main), moto (Kinesis, durable through a journal it replays on restart:
:mod:`livebase_local.aws.kinesis_journal`), the event-source runner
(:mod:`livebase_local.soak.runner_process`, checkpoints on disk; the order-message queues'
consumers too), and this one (producers, the probe poller, the after-sale drivers, the fault
schedule, the kills, the replay and the audit).

After the sale (issue 28): for every order the orders consumer accepted, a driver per market
(:mod:`livebase_local.soak.lives`) sends what the warehouse and the buyers would: cancels before
hand-off, handed → picked → shipped → delivered, returns received sellable or written off, refunds
of what is due, each message twice and a share out of order, plus a labelled hostile share (another
viewer's cancel, a refund above what was paid) that must be refused with a reason, never applied.

At the end, as an operator would: the records the faults parked on the stream consumers' DLQs
(batches whose retries ran out in the handler storm) are replayed with ``./livebase replay``'s own
functions (:mod:`livebase_local.soak.parked`); the audit then finds them applied and nothing still
parked (``parked_before_replay``, ``parked_after_replay``), and every unit of stock explained by the
inventory's own records (``phantom_units``: :mod:`livebase_local.soak.stock_audit`).

Faults, on a seeded schedule (:mod:`livebase_local.soak.schedule`, every one at least once): the
runner SIGKILLed mid-batch and restarted; the Kinesis moto process SIGKILLed and restarted;
DynamoDB throttling bursts and EventBridge put failures (answered by moto:
:mod:`livebase_local.aws.moto_faults`); a handler exception storm and one minute of batches
delivered twice (around the handlers, in the runner: :func:`livebase_local.faults.faulty_handler`).

The counts come from reading the stream, tables, queues, DLQs and quarantine objects after the
run and comparing them with what the producers had acknowledged (:mod:`livebase_local.soak.audit`).
``p99_ms_under_faults``: probes (a like per tick and market) put while a fault window was open,
from the start of the put that stored them to the poll that saw them in their room total.
``recovery_s_after_restart``: the longest, over the two restarts, from the restart until every
consumer's checkpoint had reached what was put before it. A non-zero count names its records
(printed before the figures).

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--rate 2000] [--shards 4] [--markets sea,eu] [--seed 21]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources
from livebase_local import faults
from livebase_local.assembly_cache import cached_assembly
from livebase_local.aws.deploy import deploy_assembly
from livebase_local.aws.env import apply_local_environment, restore_environment
from livebase_local.aws.mappings import EventSourceConfig, SqsSourceConfig
from livebase_local.aws.moto_server import LocalAws, free_port
from livebase_local.runner.checkpoints import CheckpointStore
from livebase_local.simulator.records import generate_day, recent_day
from livebase_local.simulator.stock import seed_stock, write_catalogue
from livebase_local.soak.audit import Findings, audit_market
from livebase_local.soak.lives import LifeDriver, queue_urls, stored_state
from livebase_local.soak.parked import peek_parked, replay_parked
from livebase_local.soak.producer import Producer, poll_probes
from livebase_local.soak.report import p99, report
from livebase_local.soak.runner_process import RunnerProcess
from livebase_local.soak.schedule import build_schedule, caught_up, journal_size, recovery_seconds
from livebase_local.soak.settlement_audit import audit_settlement, settlement_queues
from livebase_local.soak.streams import queues_empty, reshard, shorten_visibility, stream_end


def message_queues(resources: MarketResources) -> list[str]:
    """The queues the soak's runner consumes and waits on: the order messages' and the settlement's."""
    return [*queue_urls(resources), *settlement_queues(resources)]


class Soak:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args, self.workdir = args, workdir
        self.market_ids = [m.strip() for m in args.markets.split(",") if m.strip()]
        self.markets = load_markets()
        self.store = CheckpointStore(workdir / "checkpoints")
        self.logs = workdir / "logs"
        self.logs.mkdir()
        self.stop = threading.Event()
        self.recoveries: dict[str, float | None] = {}
        self.notes: list[str] = []

    def deploy(self) -> None:
        assembly = cached_assembly()
        self.deployments = deploy_assembly(assembly, self.market_ids)
        self.resources = {m: d.resources() for m, d in self.deployments.items()}
        self.stock: dict[str, dict[str, int]] = {}
        self.days = {}
        for m, resources in self.resources.items():
            reshard(resources.region, resources.stream_name, self.args.shards)
            day = list(generate_day(self.markets[m], self.args.seed, scale=self.args.scale,
                                    malformed_share=self.args.malformed, day=recent_day()))  # fmt: skip
            self.days[m] = day
            skus = {line["sku"] for r in day if r.kind == "order_placed" for line in json.loads(r.data)["lines"]}
            self.stock[m] = dict.fromkeys(sorted(skus), self.args.stock)
            seed_stock(resources, self.stock[m], receipt_prefix="soak")
            write_catalogue(resources, day)
            # A message a killed runner had received waits out its queue's visibility (settlement's: 5 min)
            shorten_visibility(resources.region, message_queues(resources), self.args.queue_visibility)
        spec = {m: (self.resources[m], self.live_sources(m), self.queue_sources(m)) for m in self.market_ids}
        (self.workdir / "spec.pickle").write_bytes(pickle.dumps(spec))
        self.runner = RunnerProcess(self.workdir / "spec.pickle", self.workdir / "checkpoints", self.logs)

    def live_sources(self, market: str) -> list[EventSourceConfig]:
        """The live stream's consumers (ingest, orders); the studio telemetry consumer is not soaked."""
        stream = self.resources[market].stream_name
        sources = [c for c in self.deployments[market].event_sources if c.stream_name == stream]
        return [replace(c, timeout_seconds=self.args.timeout) if self.args.timeout else c for c in sources]

    def queue_sources(self, market: str) -> list[SqsSourceConfig]:
        """The consumers of the order messages (shipment updates, order returns) and the settlement queue's."""
        urls = set(message_queues(self.resources[market]))
        return [c for c in self.deployments[market].queue_sources if c.queue_url in urls]

    def functions(self, market: str) -> list[str]:
        return [c.function_name for c in self.live_sources(market)]

    def targets(self) -> dict[str, dict[str, int]]:
        return {m: dict(p.produced.max_seq) for m, p in self.producers.items()}

    def watch_recovery(self, name: str, since: float) -> None:
        def all_caught_up() -> None:
            wanted = self.targets()
            worst = 0.0
            for m, shards in wanted.items():
                took = recovery_seconds(self.store, self.functions(m), shards, since, self.args.drain)
                if took is None:
                    self.recoveries[name] = None
                    return
                worst = max(worst, took)
            self.recoveries[name] = worst

        threading.Thread(target=all_caught_up, daemon=True).start()

    def kill_and_restart(self, window: faults.Window, aws: LocalAws) -> None:
        if window.kind == faults.RUNNER_KILL:
            pending = sum(bool(c.pending) for c in self.store.all().values())
            self.runner.kill()
            self.notes.append(f"runner killed with {pending} shard(s) holding a batch in flight")
            time.sleep(max(0.0, window.end - time.time()))
            restarted = time.time()
            self.watch_recovery("runner", restarted)
            self.notes.append(f"runner restarted: warm in {self.runner.start():.1f} s")
        else:
            size = journal_size(self.workdir / "kinesis.journal")
            aws.kill_kinesis()
            time.sleep(max(0.0, window.end - time.time()))
            started = time.time()
            aws.restart_kinesis(timeout=300)  # it replays its whole journal first
            self.notes.append(
                f"kinesis restarted: journal {size / 1e6:.0f} MB replayed in {time.time() - started:.1f} s"
            )
            self.watch_recovery("kinesis", started)

    def run(self, aws: LocalAws) -> None:
        self.runner.start()
        seconds = self.args.minutes * 60
        per_market = self.args.rate / len(self.market_ids)
        self.producers = {
            m: Producer(m, r.region, r.stream_name, self.days[m], per_market) for m, r in self.resources.items()
        }
        start = time.time() + 1.0
        self.windows = build_schedule(self.args.seed, start, seconds)
        faults.save(self.workdir / "faults.json", self.windows)
        threads = [
            threading.Thread(target=p.run, args=(seconds, self.stop), daemon=True) for p in self.producers.values()
        ]
        poller = threading.Thread(target=self.poll, daemon=True)
        self.drivers = {m: LifeDriver(r, self.args.seed, stored_state(r)) for m, r in self.resources.items()}
        self.drivers_stop = threading.Event()
        drivers = [threading.Thread(target=d.run, args=(self.feed(m), self.drivers_stop), daemon=True)
                   for m, d in self.drivers.items()]  # fmt: skip
        for thread in [*threads, poller, *drivers]:
            thread.start()
        for window in sorted((w for w in self.windows if w.kind in (faults.RUNNER_KILL, faults.KINESIS_KILL)),
                             key=lambda w: w.start):  # fmt: skip
            time.sleep(max(0.0, window.start - time.time()))
            self.kill_and_restart(window, aws)
        for thread in threads:
            thread.join(timeout=seconds + self.args.drain)
        self.produced_at = time.time()
        self.drain()
        self.replay()
        self.wait_for_lives()
        self.drivers_stop.set()
        for thread in drivers:
            thread.join(timeout=30)
        self.stop.set()
        poller.join(timeout=10)
        self.status = self.runner.status()
        self.runner.stop()

    def poll(self) -> None:
        tables = {m: boto3.resource("dynamodb", region_name=r.region) for m, r in self.resources.items()}
        while not self.stop.is_set():
            for m, producer in self.producers.items():
                poll_probes(tables[m], self.resources[m].room_metrics_table, m, producer.produced)
            self.stop.wait(0.2)

    def drain(self) -> None:
        if not self.wait_for_consumers():
            self.notes.append(f"consumers not caught up {self.args.drain} s after the producers stopped")
        self.drain_s = time.time() - self.produced_at
        time.sleep(2.0)  # the probes' last poll

    def wait_for_consumers(self) -> bool:
        """Until every consumer's checkpoint reaches the end of its stream as it is now (or ``--drain``)."""
        deadline = time.time() + self.args.drain
        ends = {m: stream_end(r.region, r.stream_name, self.targets()[m]) for m, r in self.resources.items()}
        while time.time() < deadline:
            if all(caught_up(self.store, self.functions(m), ends[m]) for m in self.market_ids):
                return True
            time.sleep(0.5)
        return False

    def feed(self, market: str) -> Callable[[], list[str]]:
        """The order ids the market's producer had acknowledged since the last call."""
        produced, taken = self.producers[market].produced, 0

        def new_orders() -> list[str]:
            nonlocal taken
            with produced.lock:
                fresh = produced.orders[taken:]
            taken += len(fresh)
            return fresh

        return new_orders

    def wait_for_lives(self) -> None:
        """Until every accepted order lived its life and the order-message queues are empty (or ``--drain``)."""
        deadline = time.time() + self.args.drain
        time.sleep(3.0)  # orders the replay stored are seen by the drivers' next step
        while time.time() < deadline:
            idle = all(all(life.done for life in d.lives.values()) for d in self.drivers.values())
            queues = [(r.region, message_queues(r)) for r in self.resources.values()]  # + settled
            if idle and all(queues_empty(region, urls) for region, urls in queues):
                return
            time.sleep(1.0)
        open_lives = sum(not life.done for d in self.drivers.values() for life in d.lives.values())
        self.notes.append(f"{open_lives} order lives not finished {self.args.drain} s after the replay")

    def replay(self) -> None:
        """What the faults parked on the DLQs, replayed as an operator would (:mod:`livebase_local.soak.parked`)."""
        self.parked = {m: peek_parked(r) for m, r in self.resources.items()}
        reports = {m: replay_parked(r, self.logs) for m, r in self.resources.items()}
        replayed = time.time()  # what the replay left on a DLQ is hidden for a minute from its last receive
        self.notes += [f"replay {report.line(m)}" for m, report in reports.items()]
        if not self.wait_for_consumers():
            self.notes.append(f"consumers not caught up with the replay within {self.args.drain} s")
        self.left_invalid = sum(r.invalid_skipped for r in reports.values())  # quarantine messages, with reasons
        if any(r.unreadable_messages or r.order_messages_kept for r in reports.values()):
            time.sleep(max(0.0, replayed + 61 - time.time()))  # hidden for a minute: the audit must read them

    def audit(self) -> Findings:
        findings = Findings()
        for m in self.market_ids:
            audit_market(self.markets[m], self.resources[m], self.producers[m].produced, self.stock[m], findings,
                         self.parked[m])  # fmt: skip
            audit_settlement(self.markets[m], self.resources[m], findings)  # the day settles (issue 33)
        for driver in self.drivers.values():
            driver.audit(findings)
            self.notes += [f"{driver.resources.market} after-sale driver: {e}" for e in driver.errors[-3:]]
        findings.counts["dlq_left_by_replay"] = self.left_invalid  # read by the replay, hidden from the audit
        findings.counts["parked_before_replay"] = sum(p.records for p in self.parked.values())
        findings.counts["parked_after_replay"] = findings.counts["dlq_parked_records"]
        return findings

    def latencies(self) -> tuple[list[float], list[float], int]:
        under, every, unseen = [], [], 0
        for producer in self.producers.values():
            for probe in producer.produced.probes:
                if probe.seen_at is None:
                    unseen += 1
                    continue
                latency = probe.seen_at - probe.put_at
                every.append(latency)
                if any(w.start <= probe.put_at < w.end for w in self.windows):
                    under.append(latency)
        return sorted(under), sorted(every), unseen

    def latency_by_fault(self) -> dict[str, float]:
        """p99 (ms) of the probes put in each kind of fault window, and outside any (``none``)."""
        kinds: dict[str, list[float]] = {}
        for producer in self.producers.values():
            for probe in producer.produced.probes:
                if probe.seen_at is not None:
                    kind = next((w.kind for w in self.windows if w.start <= probe.put_at < w.end), "none")
                    kinds.setdefault(kind, []).append(probe.seen_at - probe.put_at)
        return {kind: round(p99(sorted(values))) for kind, values in sorted(kinds.items())}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=2000.0, help="records/s in total, split over the markets")
    parser.add_argument("--shards", type=int, default=4, help="shards of each market's stream")
    parser.add_argument("--markets", default="sea,eu")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--stock", type=int, default=60, help="opening units per SKU (orders contend for them)")
    parser.add_argument("--scale", type=float, default=0.3, help="simulated day size (records cycle when used up)")
    parser.add_argument("--timeout", type=int, default=0, help="functions' timeout (s); 0: the template's")
    parser.add_argument("--malformed", type=float, default=0.001, help="share of malformed records (quarantined)")
    parser.add_argument("--drain", type=float, default=300.0, help="seconds to wait for the consumers at the end")
    parser.add_argument(
        "--queue-visibility", type=int, default=20, help="order-message and settlement queues' visibility (s)"
    )
    args = parser.parse_args(argv)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="livebase-soak-") as tmp:
        workdir = Path(tmp)
        faults.save(workdir / "faults.json", [])
        previous_faults = os.environ.get(faults.FAULTS_VARIABLE)
        os.environ[faults.FAULTS_VARIABLE] = str(workdir / "faults.json")  # moto and the runner inherit it
        aws = LocalAws(free_port(), reuse_existing=False, kinesis_journal=workdir / "kinesis.journal")
        aws.start()
        previous = apply_local_environment(
            aws.endpoint_url, kinesis_endpoint_url=aws.kinesis_endpoint_url, overwrite_real_credentials=True
        )
        soak = Soak(args, workdir)
        try:
            soak.deploy()
            soak.run(aws)
            findings = soak.audit()
        finally:
            soak.stop.set()
            if hasattr(soak, "runner"):
                soak.runner.stop()
            restore_environment(previous)
            aws.stop()
            if previous_faults is None:
                os.environ.pop(faults.FAULTS_VARIABLE, None)
            else:
                os.environ[faults.FAULTS_VARIABLE] = previous_faults
        return report(soak, findings, started)


if __name__ == "__main__":
    main()
