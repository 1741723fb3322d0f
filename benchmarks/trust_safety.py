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
   into a moto server of its own, the event-source runner with the ingest consumer as
   ``livebase up`` runs it; a producer puts ``--probes`` scam comments among ordinary traffic
   and a poller reads their decision items from the room-metrics table: latency from just
   before ``put_records`` to the poll that saw the decision.

    .venv/bin/python benchmarks/trust_safety.py [--scale 0.3] [--seed 11] [--tune-seed 7] [--probes 200]
"""

from __future__ import annotations

import argparse
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


def put_to_decision(probes: int, every_s: float = 0.1) -> dict[str, float]:
    """Seconds from ``put_records`` of a scam comment to its decision item, through the local ingest consumer."""
    from ingest import bring_up  # beside this script: synth and deploy of market sea

    from livebase_local.aws.env import apply_local_environment, restore_environment
    from livebase_local.aws.moto_server import LocalAws, free_port
    from livebase_local.platform import stream_consumers
    from livebase_local.runner.sources import EventSources

    aws = LocalAws(free_port(), reuse_existing=False).start()
    previous = apply_local_environment(
        aws.endpoint_url, kinesis_endpoint_url=aws.kinesis_endpoint_url, overwrite_real_credentials=True
    )
    pending: dict[str, float] = {}
    latencies: list[float] = []
    lock, stop = threading.Lock(), threading.Event()
    try:
        with tempfile.TemporaryDirectory(prefix="livebase-trust-") as tmp:
            deployment = bring_up(Path(tmp))
            resources = deployment.resources()
            sources = EventSources(stream_consumers(deployment, resources, Path(tmp))[0])
            sources.warm()
            sources.poll_once()
            table = boto3.resource("dynamodb", region_name=resources.region).Table(resources.room_metrics_table)
            kinesis = boto3.client("kinesis", region_name=resources.region)

            def poller() -> None:
                while not stop.is_set():
                    items = table.query(KeyConditionExpression=Key("pk").eq(f"ROOM#{PROBE_ROOM}")
                                        & Key("sk").begins_with("MOD#"))["Items"]  # fmt: skip
                    seen = time.perf_counter()
                    with lock:
                        for item in items:
                            put_at = pending.pop(str(item.get("event_id")), None)
                            if put_at is not None:
                                latencies.append(seen - put_at)
                    stop.wait(0.05)

            threads = [threading.Thread(target=sources.run_forever, args=(stop,), daemon=True),
                       threading.Thread(target=poller, daemon=True)]  # fmt: skip
            for thread in threads:
                thread.start()
            for n in range(probes):
                now = datetime.now(UTC)
                entries = [_comment("DM me for cheaper", 10_000 + n, now)]
                entries += [_comment("so pretty, what size?", 20_000 + n * 10 + i, now) for i in range(9)]
                with lock:
                    put_at = time.perf_counter()
                    pending[str(entries[0]["event_id"])] = put_at
                records = [{k: v for k, v in e.items() if k != "event_id"} for e in entries]
                kinesis.put_records(StreamName=resources.stream_name, Records=records)
                time.sleep(every_s)
            deadline = time.perf_counter() + 30
            while pending and time.perf_counter() < deadline:
                time.sleep(0.1)
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
    finally:
        stop.set()
        restore_environment(previous)
        aws.stop()
    latencies.sort()
    return {
        "put_to_decision_probes": float(len(latencies)), "put_to_decision_lost": float(len(pending)),
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
