"""Recommendations, offline and served: recall@10 on held-out simulated days, and the serving p99.

Simulated days of one market (``livebase_local.simulator``: regulars with known category tastes
return with the same id every day of a seed; each room's catalogue holds ``--assortment`` SKUs, a
day's line-up shows 8 of them). Training: the first ``--train-days`` days from 2026-11-01;
evaluation: the ``--test-days`` days after them, never trained on. The co-occurrence's choices
(signal weights, half-life, neighbours) and the simulator's tastes were made on seed 7, the
taste-by-category lists' (prior strength, carts and orders counted once, half-life) on seeds 7 and
3 (train 2026-11-01..14, evaluated on 11-15..16); seeds 11 and 23 report. One seed evaluates ~200
viewers, too few to tell 1.45 from 1.6 (the ratio's bootstrap sd is 0.12-0.21 a seed), so the goal
is judged on the pooled ratio of ``--pool`` (seeds 101-108: each its own simulated market, none run
before this figure was added), with a 90 % bootstrap interval over the pooled viewers. Both the
recommender and the popularity baselines train on the same days; the recommender also reads the simulated
catalogue's categories (``sku_category``), as the flow reads the market's catalogue.

- recall@10: per viewer with a history who carted or bought on the held-out days, the share of
  those SKUs in their top 10, averaged (the baseline's top 10 is the same for everyone); the
  baseline is popularity over every signal (watch, cart, order: unchanged since the first figures);
  also against popularity over carts and orders only (a stronger baseline on some seeds), and for
  training on orders only (what the stores hold today, ``flows/recommendations.py``);
- basket share and lift estimate: the share of held-out basket value (carted and bought units at
  their price) covered by the top 10, recommender vs baseline. An estimate of the headroom, not a
  causal lift: that is measured by an A/B experiment (``experiment-analysis``);
- serving: the player function's ``GET /recommendations`` in-process against a local AWS (moto on
  loopback, player and Consent tables as the stack makes them), ``--requests`` calls after a
  warm-up; p50 / p99 in ms (goal p99 < 50 ms: one ``BatchGetItem``, no compute).

    .venv/bin/python benchmarks/recommendations.py [--seed 11] [--pool 101-108] [--scale 0.1] [--train-days 14]
        [--test-days 2] [--requests 500]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3

from livebase.markets.config import load_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase.privacy.consent import Purpose
from livebase.recommend.behaviour import CART, ORDER, Interaction, from_events
from livebase.recommend.model import Recommender, popularity, train
from livebase.sessions.joining import SessionRecord
from livebase.stores.consent import ConsentStore
from livebase.stores.player import PlayerStore
from livebase_local.aws.env import apply_local_environment, restore_environment
from livebase_local.aws.moto_server import LocalAws, free_port
from livebase_local.simulator.audience import sku_category
from livebase_local.simulator.model import CatalogueOptions, SimOptions, build_day

EVENTS = Path(__file__).resolve().parents[1] / "events"
FIRST_DAY = date(2026, 11, 1)
K = 10
GOAL_RATIO, GOAL_P99_MS = 1.5, 50.0
POOL_SEEDS = "101-108"  # never run before the pooled figure was added: no choice was made on them


def simulate(market_id: str, seed: int, days: int, scale: float, assortment: int) -> list[list[dict[str, Any]]]:
    market = load_markets()[market_id]

    catalogue = CatalogueOptions(assortment=assortment)

    def options(day: int) -> SimOptions:
        return SimOptions(scale=scale, day=FIRST_DAY + timedelta(days=day), flash_sale=False, degraded_edge=False)

    return [[row[3] for row in build_day(market, seed, options(d), catalogue)] for d in range(days)]


def held_out_baskets(days: list[list[dict[str, Any]]]) -> dict[str, dict[str, Decimal]]:
    """Per viewer: SKU -> value carted or bought on the held-out days."""
    baskets: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for events in days:
        for event in events:
            if event["type"] == "add_to_cart":
                baskets[event["viewer_id"]][event["sku"]] += Decimal(event["unit_price"]) * event["quantity"]
            elif event["type"] == "order_placed":
                for line in event["lines"]:
                    baskets[event["viewer_id"]][line["sku"]] += Decimal(line["unit_price"]) * line["quantity"]
    return baskets


@dataclass
class Scored:
    """One evaluated viewer: recall@10 of the model's list and of the baseline's, basket value and covers."""

    recall: float
    baseline: float
    basket: Decimal
    covered: Decimal
    baseline_covered: Decimal


def score(model: Recommender, baskets: dict[str, dict[str, Decimal]], baseline: list[str]) -> list[Scored]:
    """The model's lists against ``baseline`` (a popular list), per viewer with a list and a basket."""
    popular = set(baseline[:K])
    rows = []
    for viewer, basket in baskets.items():
        if viewer not in model.viewers:
            continue
        top = {sku for sku, _ in model.viewers[viewer][:K]}
        rows.append(Scored(
            recall=len(top & set(basket)) / len(basket), baseline=len(popular & set(basket)) / len(basket),
            basket=sum(basket.values(), Decimal(0)),
            covered=sum((v for sku, v in basket.items() if sku in top), Decimal(0)),
            baseline_covered=sum((v for sku, v in basket.items() if sku in popular), Decimal(0)),
        ))  # fmt: skip
    return rows


def summarise(rows: list[Scored]) -> dict[str, float]:
    if not rows:
        return {"viewers": 0.0, "recall": 0.0, "baseline": 0.0, "share": 0.0, "baseline_share": 0.0}
    total = sum((r.basket for r in rows), Decimal(0)) or Decimal(1)
    return {
        "viewers": float(len(rows)), "recall": statistics.fmean(r.recall for r in rows),
        "baseline": statistics.fmean(r.baseline for r in rows),
        "share": float(sum((r.covered for r in rows), Decimal(0)) / total),
        "baseline_share": float(sum((r.baseline_covered for r in rows), Decimal(0)) / total),
    }  # fmt: skip


def evaluate(model: Recommender, baskets: dict[str, dict[str, Decimal]], baseline: list[str]) -> dict[str, float]:
    """The model's lists against ``baseline`` (a popular list), for the same viewers and baskets."""
    return summarise(score(model, baskets, baseline))


def ratio_interval(rows: list[Scored], draws: int = 2000, seed: int = 1) -> tuple[float, float]:
    """A 90 % bootstrap interval of recall / baseline recall, resampling the evaluated viewers."""
    rng, ratios = random.Random(seed), []
    for _ in range(draws):
        sample = rng.choices(rows, k=len(rows))
        base = sum(r.baseline for r in sample)
        ratios.append(sum(r.recall for r in sample) / base if base else 0.0)
    ratios.sort()
    return ratios[int(0.05 * draws)], ratios[int(0.95 * draws) - 1]


def serve(
    model: Recommender, days: list[list[dict[str, Any]]], market_id: str, requests: int
) -> tuple[list[float], list[float]]:
    """Latencies (ms) of ``GET /recommendations`` through the player handler against a local moto, and of a
    bare ``GetItem`` to the same moto beside each (what the local AWS itself costs on this machine now)."""
    region = load_markets()[market_id].region
    from livebase_local.runner.functions import load_handler

    template = json.loads((EVENTS / "apigateway_get_recommendations.json").read_text())
    context = SimpleNamespace(
        function_name=f"livebase-{market_id}-player", memory_limit_in_mb=512, aws_request_id="bench",
        invoked_function_arn=f"arn:aws:lambda:{region}:123456789012:function:livebase-{market_id}-player",
    )  # fmt: skip
    aws = LocalAws(free_port(), reuse_existing=False).start()
    previous = apply_local_environment(aws.endpoint_url, region=region, overwrite_real_credentials=True)
    try:
        client = boto3.client("dynamodb", region_name=region)
        names = {field: f"{market_id}-{field}" for field in OUTPUTS}
        for field, keys in (("player_table", ("pk", "sk")), ("consent_table", ("viewer_key", "purpose"))):
            names[field] = f"{field}-{uuid.uuid4().hex[:6]}"
            client.create_table(
                TableName=names[field], BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in zip(keys, ("HASH", "RANGE"), strict=True)],
                AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
            )  # fmt: skip
        resources = MarketResources(market=market_id, region=region, **names)
        store = PlayerStore(client, resources.player_table, resources.consent_table)
        store.put_top_lists(model.viewers, model.trained_at)
        consent = ConsentStore(client, resources.consent_table)
        viewers = sorted(model.viewers)
        for viewer in viewers[::2]:  # half consent: both paths are served
            consent.record(viewer, Purpose.PERSONALISATION, True, model.trained_at)
        sessions: dict[str, list[str]] = defaultdict(list)
        for event in days[0]:
            if event["type"] == "product_shown" and event["sku"] not in sessions[event["session_id"]]:
                sessions[event["session_id"]].append(event["sku"])
        expires = datetime.now(UTC) + timedelta(days=1)
        for session_id, lineup in sessions.items():
            store.put_session(SessionRecord(session_id, session_id, tuple(lineup)), expires=expires)
        handler = load_handler("player", resources, container="bench")[1]
        rng, latencies, bare = random.Random(5), [], []
        for n in range(requests + 20):
            event = copy.deepcopy(template)
            query = {"session": rng.choice(sorted(sessions)), "viewer": rng.choice(viewers)}
            event["queryStringParameters"] = query
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
            started = time.perf_counter()
            response = handler(event, context)
            elapsed = (time.perf_counter() - started) * 1000
            assert response["statusCode"] == 200, response
            started = time.perf_counter()
            client.get_item(TableName=resources.player_table, Key={"pk": {"S": "MARKET"}, "sk": {"S": "POPULAR"}})
            plain = (time.perf_counter() - started) * 1000
            if n >= 20:  # warm-up: the first calls open connections
                latencies.append(elapsed)
                bare.append(plain)
        return latencies, bare
    finally:
        restore_environment(previous)
        aws.stop()


def catalogue_categories(interactions: list[Interaction]) -> dict[str, str]:
    """The simulated catalogue's category of every SKU trained on (what the market's catalogue lists)."""
    return {i.sku: sku_category(i.sku) for i in interactions}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Offline:
    """One seed's simulated days, trained on the first ``train_days`` and scored on the rest."""

    interactions: list[Interaction]
    model: Recommender
    test_days: list[list[dict[str, Any]]]
    baskets: dict[str, dict[str, Decimal]]
    cutoff: datetime
    train_s: float


def offline(market_id: str, seed: int, args: argparse.Namespace) -> Offline:
    days = simulate(market_id, seed, args.train_days + args.test_days, args.scale, args.assortment)
    interactions = [i for events in days[: args.train_days] for i in from_events(events)]
    cutoff = datetime.combine(FIRST_DAY + timedelta(days=args.train_days), datetime.min.time(), UTC)
    trained = time.perf_counter()
    model = train(interactions, cutoff, categories=catalogue_categories(interactions))
    train_s = time.perf_counter() - trained
    test_days = days[args.train_days :]
    return Offline(interactions, model, test_days, held_out_baskets(test_days), cutoff, train_s)


def pooled(market_id: str, seeds: list[int], args: argparse.Namespace) -> list[Scored]:
    """Every evaluated viewer of ``seeds`` (each seed its own simulated market), one line per seed."""
    rows: list[Scored] = []
    for seed in seeds:
        run = offline(market_id, seed, args)
        scored = score(run.model, run.baskets, popularity(run.interactions, run.cutoff))
        summary = summarise(scored)
        ratio = summary["recall"] / summary["baseline"] if summary["baseline"] else 0.0
        print(f"pool seed {seed}: {len(scored)} viewers, recall@10 {summary['recall']:.3f}, "
              f"popularity {summary['baseline']:.3f}, ratio {ratio:.2f}")  # fmt: skip
        rows += scored
    return rows


def seed_list(text: str) -> list[int]:
    """``101-108`` or ``101,105``: the seeds of the pooled figure."""
    seeds: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        seeds += range(int(first), int(last or first) + 1)
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--market", default="sea")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--pool", type=seed_list, default=seed_list(POOL_SEEDS),
                        help="seeds of the pooled ratio, the figure the goal is judged on ('' for none)")  # fmt: skip
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--assortment", type=int, default=24, help="SKUs per room's catalogue")
    parser.add_argument("--train-days", type=int, default=14)
    parser.add_argument("--test-days", type=int, default=2)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    started = time.perf_counter()
    run = offline(args.market, args.seed, args)
    interactions, model, cutoff = run.interactions, run.model, run.cutoff
    categories = catalogue_categories(interactions)
    ordered = [i for i in interactions if i.weight >= ORDER]
    orders_only = train(ordered, cutoff, categories=categories)
    baskets = run.baskets
    popular = popularity(interactions, cutoff)  # every signal: the baseline of the first figures
    carted = popularity([i for i in interactions if i.weight >= CART], cutoff)
    full, strong = evaluate(model, baskets, popular), evaluate(model, baskets, carted)
    orders = evaluate(orders_only, baskets, popularity(ordered, cutoff))
    latencies, bare = serve(model, run.test_days, args.market, args.requests) if args.requests else ([0.0], [0.0])
    pool = pooled(args.market, args.pool, args)
    first, last = FIRST_DAY, FIRST_DAY + timedelta(days=args.train_days - 1)
    print(f"market {args.market}, seed {args.seed}, scale {args.scale}, assortment {args.assortment} per room")
    print(f"trained on {first}..{last} ({len(interactions)} interactions, {len(model.viewers)} viewers), evaluated on")
    print(f"the {args.test_days} days after: {int(full['viewers'])} viewers with a history carted or bought there")
    print(f"signals: watch (weak), cart {CART}, order {ORDER}; lists by taste per catalogue category")
    print("(carts and orders count once each); the flow trains on orders only today")
    ratio = full["recall"] / full["baseline"] if full["baseline"] else 0.0
    strong_ratio = strong["recall"] / strong["baseline"] if strong["baseline"] else 0.0
    lift = full["share"] / full["baseline_share"] - 1 if full["baseline_share"] else 0.0
    pool_summary = summarise(pool)
    if pool_summary["baseline"]:
        low, high = ratio_interval(pool)
        seeds = ",".join(map(str, args.pool))
        pooled_ratio = (f"{pool_summary['recall'] / pool_summary['baseline']:.2f} (goal >= {GOAL_RATIO}; "
                        f"90% interval {low:.2f}-{high:.2f}; seeds {seeds}, {len(pool)} viewers)")  # fmt: skip
    else:
        pooled_ratio = "no pooled seeds"
    figures = {
        "recall_at_10": f"{full['recall']:.3f}",
        "recall_at_10_popularity": f"{full['baseline']:.3f}",
        "recall_ratio": f"{ratio:.2f} (seed {args.seed} alone, {int(full['viewers'])} viewers)",
        "recall_ratio_pooled": pooled_ratio,
        "recall_at_10_popularity_carts_orders": f"{strong['baseline']:.3f} (ratio {strong_ratio:.2f})",
        "recall_at_10_orders_only": f"{orders['recall']:.3f} (popularity {orders['baseline']:.3f})",
        "basket_share_in_top10": f"{full['share']:.3f} (popularity {full['baseline_share']:.3f})",
        "basket_lift_estimate": f"{lift:+.1%} (headroom, not causal: an A/B experiment measures it)",
        "train_seconds": f"{run.train_s:.2f}",
        "serving_p50_ms": f"{percentile(latencies, 0.5):.1f}",
        "serving_p99_ms": f"{percentile(latencies, 0.99):.1f} (goal < {GOAL_P99_MS:.0f}, {len(latencies)} requests)",
        "local_aws_get_item_p50_p99_ms": f"{percentile(bare, 0.5):.1f} / {percentile(bare, 0.99):.1f}",
        "load_average_1m": f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        "total_seconds": f"{time.perf_counter() - started:.1f}",
    }
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
