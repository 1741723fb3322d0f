"""Recommendations, offline and served: recall@10 on held-out simulated days, and the serving p99.

Simulated days of one market (``livebase_local.simulator``: regulars with known category tastes
return with the same id every day of a seed; each room's catalogue holds ``--assortment`` SKUs, a
day's line-up shows 8 of them). Training: the first ``--train-days`` days from 2026-11-01;
evaluation: the ``--test-days`` days after them, never trained on. The co-occurrence's choices
(signal weights, half-life, neighbours) and the simulator's tastes were made on seed 7, the
taste-by-category lists' (prior strength, carts and orders counted once, half-life) on seeds 7 and
3 (train 2026-11-01..14, evaluated on 11-15..16); seeds 11 and 23 report. Both the recommender
and the popularity baselines train on the same days; the recommender also reads the simulated
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

    .venv/bin/python benchmarks/recommendations.py [--scale 0.1] [--train-days 14] [--test-days 2] [--requests 500]
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


def evaluate(model: Recommender, baskets: dict[str, dict[str, Decimal]], baseline: list[str]) -> dict[str, float]:
    """The model's lists against ``baseline`` (a popular list), for the same viewers and baskets."""
    popular = set(baseline[:K])
    recall, base, covered, base_covered, total = [], [], Decimal(0), Decimal(0), Decimal(0)
    for viewer, basket in baskets.items():
        if viewer not in model.viewers:
            continue
        top = {sku for sku, _ in model.viewers[viewer][:K]}
        recall.append(len(top & set(basket)) / len(basket))
        base.append(len(popular & set(basket)) / len(basket))
        total += sum(basket.values())
        covered += sum(v for sku, v in basket.items() if sku in top)
        base_covered += sum(v for sku, v in basket.items() if sku in popular)
    if not recall:
        return {"viewers": 0.0, "recall": 0.0, "baseline": 0.0, "share": 0.0, "baseline_share": 0.0}
    return {
        "viewers": float(len(recall)), "recall": statistics.fmean(recall), "baseline": statistics.fmean(base),
        "share": float(covered / total), "baseline_share": float(base_covered / total),
    }  # fmt: skip


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--market", default="sea")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--assortment", type=int, default=24, help="SKUs per room's catalogue")
    parser.add_argument("--train-days", type=int, default=14)
    parser.add_argument("--test-days", type=int, default=2)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    started = time.perf_counter()
    days = simulate(args.market, args.seed, args.train_days + args.test_days, args.scale, args.assortment)
    train_days, test_days = days[: args.train_days], days[args.train_days :]
    interactions = [i for events in train_days for i in from_events(events)]
    cutoff = datetime.combine(FIRST_DAY + timedelta(days=args.train_days), datetime.min.time(), UTC)
    trained = time.perf_counter()
    categories = catalogue_categories(interactions)
    model = train(interactions, cutoff, categories=categories)
    train_s = time.perf_counter() - trained
    ordered = [i for i in interactions if i.weight >= ORDER]
    orders_only = train(ordered, cutoff, categories=categories)
    baskets = held_out_baskets(test_days)
    popular = popularity(interactions, cutoff)  # every signal: the baseline of the first figures
    carted = popularity([i for i in interactions if i.weight >= CART], cutoff)
    full, strong = evaluate(model, baskets, popular), evaluate(model, baskets, carted)
    orders = evaluate(orders_only, baskets, popularity(ordered, cutoff))
    latencies, bare = serve(model, test_days, args.market, args.requests) if args.requests else ([0.0], [0.0])
    first, last = FIRST_DAY, FIRST_DAY + timedelta(days=args.train_days - 1)
    print(f"market {args.market}, seed {args.seed}, scale {args.scale}, assortment {args.assortment} per room")
    print(f"trained on {first}..{last} ({len(interactions)} interactions, {len(model.viewers)} viewers), evaluated on")
    print(f"the {args.test_days} days after: {int(full['viewers'])} viewers with a history carted or bought there")
    print(f"signals: watch (weak), cart {CART}, order {ORDER}; lists by taste per catalogue category")
    print("(carts and orders count once each); the flow trains on orders only today")
    ratio = full["recall"] / full["baseline"] if full["baseline"] else 0.0
    strong_ratio = strong["recall"] / strong["baseline"] if strong["baseline"] else 0.0
    lift = full["share"] / full["baseline_share"] - 1 if full["baseline_share"] else 0.0
    figures = {
        "recall_at_10": f"{full['recall']:.3f}",
        "recall_at_10_popularity": f"{full['baseline']:.3f}",
        "recall_ratio": f"{ratio:.2f} (goal >= {GOAL_RATIO})",
        "recall_at_10_popularity_carts_orders": f"{strong['baseline']:.3f} (ratio {strong_ratio:.2f})",
        "recall_at_10_orders_only": f"{orders['recall']:.3f} (popularity {orders['baseline']:.3f})",
        "basket_share_in_top10": f"{full['share']:.3f} (popularity {full['baseline_share']:.3f})",
        "basket_lift_estimate": f"{lift:+.1%} (headroom, not causal: an A/B experiment measures it)",
        "train_seconds": f"{train_s:.2f}",
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
