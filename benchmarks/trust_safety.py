"""Trust and safety on a seeded day with injected abuse: what moderation and order risk catch, and how fast.

1. **Detection** (offline, per market): a simulated day with the simulator's labelled abuse
   (``livebase_local/simulator/abuse.py``: like/join bots, comment floods, scam spam, insults,
   banned-category talk, fake-order rings) goes, in time order, through the same
   :class:`~livebase.moderation.Moderator` and :class:`~livebase.risk.OrderRisk` the ingest and
   orders consumers use. Against the labels (kept beside the records): precision and recall of
   fake-order holds (per order) and of bot detection (per account: bots, flooders, scam
   spammers flagged in a room), the share of abusive comments not shown and of normal comments
   not shown, and the in-process decision time per comment. Thresholds were chosen on
   ``--tune-seed`` (7); the figures printed last are from ``--seed`` (11), never tuned on.
2. **Put to decision on the local AWS** (skip with ``--skip-local-aws``): market ``sea`` deployed
   into a moto server of its own, the event-source runner with every Kinesis mapping of the market
   as ``livebase up`` runs it (the live stream's ingest, orders and consent, a worker and handler
   instance per shard).
   First one scam comment and one ordinary one per shard, waited for: each shard's ingest
   container decides and scores its first comments (the language model loads then: Lambda's
   cold container pays it too), reported apart as ``put_to_decision_cold_max_s``. Then a
   producer puts ``--probes`` scam comments, each among 9 ordinary ones, every 0.1 s, and a
   poller reads the pending probes' decision items from the room-metrics table (a sort-key range
   from the oldest pending one, every 25 ms): latency from just before ``put_records`` to the
   arrival of the reply that held the decision (an upper bound).

    .venv/bin/python benchmarks/trust_safety.py [--scale 0.3] [--seed 11] [--tune-seed 7] [--probes 200]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from livebase.live.events import Comment, OrderCancelled, OrderPlaced, Refund
from livebase.markets.config import Market, load_markets
from livebase.moderation import Moderator
from livebase.risk import OrderRisk
from livebase_local.simulator.abuse import AbuseLabels, injected_abuse, labels_of
from livebase_local.simulator.model import SimOptions
from livebase_local.simulator.records import generate_day

PROBE_ROOM = "sea-trust-probe"
ACCOUNT_KINDS = ("bot", "flood", "scam")  # accounts bot detection should flag
MARKETS = ("sea", "mena")


@dataclass
class Tally:
    held_orders: set[str] = field(default_factory=set)
    orders: set[str] = field(default_factory=set)
    flagged: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    comments: dict[str, bool] = field(default_factory=dict)  # event id -> shown
    decide_s: list[float] = field(default_factory=list)


def run_day(market: Market, seed: int, scale: float) -> tuple[Tally, AbuseLabels]:
    """The day's records, in time order, through moderation and order risk."""
    options = SimOptions(scale=scale)
    with injected_abuse():
        records = list(generate_day(market, seed, scale=scale))
    labels = labels_of(market, seed, options)
    moderator, risk, tally = Moderator(market), OrderRisk(), Tally()
    clock = time.perf_counter
    for record in records:
        event = record.event()
        if event.type == "edge_node_stats" or event.type == "product_shown":
            continue
        tally.accounts.add(event.viewer_id)
        if isinstance(event, Comment):
            started = clock()
            decision = moderator.decide(event)
            tally.decide_s.append(clock() - started)
            tally.comments[event.event_id] = decision.shown
        elif isinstance(event, OrderPlaced):
            tally.orders.add(event.order_id)
            if risk.assess(event).hold:
                tally.held_orders.add(event.order_id)
        elif isinstance(event, OrderCancelled | Refund):
            risk.observe(event)
        else:
            moderator.observe(event)
    tally.flagged = {viewer for (_, viewer) in moderator.floods.flagged_viewers()}
    return tally, labels


def precision_recall(found: set[str], truth: set[str]) -> tuple[float, float]:
    hits = len(found & truth)
    return (hits / len(found) if found else 1.0), (hits / len(truth) if truth else 1.0)


def figures(runs: Iterable[tuple[Tally, AbuseLabels]]) -> dict[str, float]:
    held, fake, flagged, bots, abusive, normal, decide = set(), set(), set(), set(), [], [], []
    for tally, labels in runs:
        held |= tally.held_orders
        fake |= {o for o in labels.orders if o in tally.orders}
        flagged |= tally.flagged
        bots |= {v for v, kind in labels.accounts.items() if kind in ACCOUNT_KINDS}
        abusive += [not shown for e, shown in tally.comments.items() if e in labels.comments]
        normal += [not shown for e, shown in tally.comments.items() if e not in labels.comments]
        decide += tally.decide_s
    order_p, order_r = precision_recall(held, fake)
    bot_p, bot_r = precision_recall(flagged, bots)
    decide.sort()
    return {
        "fake_order_precision": order_p, "fake_order_recall": order_r, "fake_orders": len(fake),
        "bot_precision": bot_p, "bot_recall": bot_r, "bot_accounts": len(bots),
        "abusive_comments_hidden_share": sum(abusive) / len(abusive) if abusive else 1.0,
        "normal_comments_hidden_share": sum(normal) / len(normal) if normal else 0.0,
        "abusive_comments": len(abusive), "normal_comments": len(normal),
        "decision_p99_us": decide[int(0.99 * (len(decide) - 1))] * 1e6 if decide else 0.0,
        "decision_mean_us": statistics.fmean(decide) * 1e6 if decide else 0.0,
    }  # fmt: skip


def _comment(text: str, viewer: int, now: datetime) -> dict[str, Any]:
    event = {
        "event_id": f"probe-{uuid.uuid4().hex}", "schema_version": 1, "market": "sea", "room_id": PROBE_ROOM,
        "session_id": "probe-session", "ts": now.isoformat().replace("+00:00", "Z"), "viewer_id": f"v_{viewer:016x}",
        "type": "comment", "text": text, "language": "en",
    }  # fmt: skip
    return {"PartitionKey": event["viewer_id"], "Data": json.dumps(event).encode(), "event_id": event["event_id"]}


def _shard_of(partition_key: str, shards: list[dict[str, Any]]) -> str:
    """The shard Kinesis routes ``partition_key`` to (MD5 of the key in the shard's hash range)."""
    point = int(hashlib.md5(partition_key.encode()).hexdigest(), 16)
    for shard in shards:
        hash_range = shard["HashKeyRange"]
        if int(hash_range["StartingHashKey"]) <= point <= int(hash_range["EndingHashKey"]):
            return str(shard["ShardId"])
    raise ValueError(f"no shard holds {partition_key}")


class DecisionWatch:
    """Puts probe comments and sees their decision items appear; latency = reply that showed it - put.

    The poller reads only the decision items from the oldest pending probe's second on (a sort-key
    range), so a read stays small however many decisions the room holds, and takes the time when
    the reply arrived: a conservative bound (the item was written before the reply).
    """

    def __init__(self, table: Any, kinesis: Any, stream_name: str, every_s: float = 0.025) -> None:
        self.table, self.kinesis, self.stream_name, self.every_s = table, kinesis, stream_name, every_s
        self.pending: dict[str, tuple[float, datetime]] = {}  # event id -> (put at, comment time)
        self.latencies: list[float] = []
        self.lock, self.stop = threading.Lock(), threading.Event()

    def put(self, entries: list[dict[str, Any]], probe: dict[str, Any], now: datetime) -> None:
        with self.lock:
            self.pending[str(probe["event_id"])] = (time.perf_counter(), now)
        records = [{k: v for k, v in e.items() if k != "event_id"} for e in entries]
        self.kinesis.put_records(StreamName=self.stream_name, Records=records)

    def _since(self) -> str | None:
        with self.lock:
            oldest = min((ts for _, ts in self.pending.values()), default=None)
        return None if oldest is None else f"MOD#{oldest.astimezone(UTC):%Y-%m-%dT%H:%M:%S}"

    def poll(self) -> None:
        while not self.stop.is_set():
            since = self._since()
            if since is not None:
                condition = Key("pk").eq(f"ROOM#{PROBE_ROOM}") & Key("sk").between(since, "MOD#~")
                items = self.table.query(KeyConditionExpression=condition)["Items"]
                seen = time.perf_counter()
                with self.lock:
                    for item in items:
                        put = self.pending.pop(str(item.get("event_id")), None)
                        if put is not None:
                            self.latencies.append(seen - put[0])
            self.stop.wait(self.every_s)

    def wait(self, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while self.pending and time.perf_counter() < deadline:
            time.sleep(0.05)

    def take(self) -> list[float]:
        """The latencies so far (sorted), and start a new list."""
        with self.lock:
            taken, self.latencies = sorted(self.latencies), []
        return taken


def put_to_decision(probes: int, every_s: float = 0.1) -> dict[str, float]:
    """Seconds from ``put_records`` of a scam comment to its decision item, through the local ingest consumer.

    First one scam comment per shard, waited for: each shard's ingest container decides its first
    comment (loading the language model, about a second per container in Lambda, longer here
    where every container shares one process), reported as ``put_to_decision_cold_max_s``. Then
    ``probes`` scam comments, each among 9 ordinary ones, every ``every_s``: the p50 and p99.
    """
    from ingest import bring_up  # beside this script: synth and deploy of market sea

    from livebase_local.aws.env import apply_local_environment, restore_environment
    from livebase_local.aws.moto_server import LocalAws, free_port
    from livebase_local.platform import stream_consumers
    from livebase_local.runner.sources import EventSources

    aws = LocalAws(free_port(), reuse_existing=False).start()
    previous = apply_local_environment(
        aws.endpoint_url, kinesis_endpoint_url=aws.kinesis_endpoint_url, overwrite_real_credentials=True
    )
    stop = threading.Event()
    try:
        with tempfile.TemporaryDirectory(prefix="livebase-trust-") as tmp:
            deployment = bring_up(Path(tmp))
            resources = deployment.resources()
            sources = EventSources(stream_consumers(deployment, resources, Path(tmp))[0])
            sources.warm()
            sources.poll_once()
            table = boto3.resource("dynamodb", region_name=resources.region).Table(resources.room_metrics_table)
            kinesis = boto3.client("kinesis", region_name=resources.region)
            watch = DecisionWatch(table, kinesis, resources.stream_name)
            watch.stop = stop
            threads = [threading.Thread(target=sources.run_forever, args=(stop,), daemon=True),
                       threading.Thread(target=watch.poll, daemon=True)]  # fmt: skip
            for thread in threads:
                thread.start()
            shards = kinesis.list_shards(StreamName=resources.stream_name)["Shards"]
            cold: dict[str, int] = {}  # shard -> viewer whose partition key lands there
            for viewer in range(30_000, 31_000):
                cold.setdefault(_shard_of(f"v_{viewer:016x}", shards), viewer)
            for viewer in cold.values():  # a scam comment (decided) and an ordinary one (scored: the model loads)
                now = datetime.now(UTC)
                first = _comment("DM me for cheaper", viewer, now)
                watch.put([first, _comment("so pretty, what size?", viewer, now)], first, now)
            watch.wait(120)
            cold_latencies, cold_lost = watch.take(), len(watch.pending)
            for n in range(probes):
                now = datetime.now(UTC)
                entries = [_comment("DM me for cheaper", 10_000 + n, now)]
                entries += [_comment("so pretty, what size?", 20_000 + n * 10 + i, now) for i in range(9)]
                watch.put(entries, entries[0], now)
                time.sleep(every_s)
            watch.wait(30)
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
            latencies, lost = watch.take(), len(watch.pending)
    finally:
        stop.set()
        restore_environment(previous)
        aws.stop()
    return {
        "put_to_decision_cold_max_s": cold_latencies[-1] if cold_latencies else float("nan"),
        "put_to_decision_cold_lost": float(cold_lost),
        "put_to_decision_probes": float(len(latencies)), "put_to_decision_lost": float(lost),
        "put_to_decision_p50_s": statistics.median(latencies) if latencies else float("nan"),
        "put_to_decision_p99_s": latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=11, help="the reported seed (never tuned on)")
    parser.add_argument("--tune-seed", type=int, default=7)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--skip-local-aws", action="store_true")
    args = parser.parse_args()
    markets = load_markets()
    tuned = figures(run_day(markets[m], args.tune_seed, args.scale) for m in MARKETS)
    print(f"tuning seed {args.tune_seed}: " + ", ".join(f"{k} {v:.3f}" for k, v in tuned.items()))
    reported = figures(run_day(markets[m], args.seed, args.scale) for m in MARKETS)
    latency: dict[str, Any] = {}
    if not args.skip_local_aws:
        latency = put_to_decision(args.probes)
    for name, value in {**reported, **latency}.items():
        print(f"{name}: {value:.4f}" if isinstance(value, float) else f"{name}: {value}")


if __name__ == "__main__":
    main()
