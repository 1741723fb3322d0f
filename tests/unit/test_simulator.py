"""The live-day simulator: reproducible, realistic in shape, malformed on request, Kinesis-ready."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from livebase.live.events import AddToCart, ProductShown, parse_event
from livebase.markets.config import Market, load_markets
from livebase_local.simulator.records import (
    MALFORMED_KINDS,
    SimRecord,
    generate_day,
    main,
    read_file,
    restamped,
    send_to_kinesis,
    write_file,
)

MARKETS = load_markets()
SCALE = 0.03


@pytest.fixture(scope="module")
def sea_day() -> list[SimRecord]:
    return list(generate_day(MARKETS["sea"], 5, SCALE))


def test_same_seed_same_day_other_seed_other_day(sea_day: list[SimRecord]) -> None:
    again = list(generate_day(MARKETS["sea"], 5, SCALE))
    assert again == sea_day
    other = list(generate_day(MARKETS["sea"], 6, SCALE))
    assert [r.data for r in other[:200]] != [r.data for r in sea_day[:200]]


def test_every_record_is_a_valid_event_in_time_order(sea_day: list[SimRecord]) -> None:
    kinds = Counter(r.kind for r in sea_day)
    assert {
        "viewer_joined",
        "viewer_left",
        "comment",
        "like",
        "share",
        "product_shown",
        "add_to_cart",
        "order_placed",
        "edge_node_stats",
    } <= set(kinds)
    assert kinds["viewer_joined"] == kinds["viewer_left"]
    stamps = [r.ts for r in sea_day]
    assert stamps == sorted(stamps)
    for record in sea_day[::7]:
        event = record.event()
        assert event.type == record.kind and event.market == "sea"
        assert abs(event.ts.timestamp() - record.ts) < 0.001


@pytest.mark.parametrize("market_id", ["sea", "mena", "eu", "na"])
def test_rooms_follow_the_markets_local_clock(market_id: str) -> None:
    market = MARKETS[market_id]
    zone = ZoneInfo(market.time_zone)
    starts: dict[str, datetime] = {}
    joins: Counter[str] = Counter()
    for record in generate_day(market, 1, 0.02, flash_sale=False, degraded_edge=False):
        if record.kind == "product_shown":
            event = parse_event(record.data)
            starts.setdefault(event.room_id, event.ts.astimezone(zone))
        elif record.kind == "viewer_joined":
            joins[json.loads(record.data)["room_id"]] += 1
    assert (starts[f"{market_id}-room-1"].hour, starts[f"{market_id}-room-2"].hour) == (19, 12)
    # Prime time draws a bigger crowd per hour than lunch (diurnal curve, local time).
    assert joins[f"{market_id}-room-1"] / 4.0 > joins[f"{market_id}-room-2"] / 2.5


def test_flash_sale_cuts_the_price_and_draws_a_crowd(sea_day: list[SimRecord]) -> None:
    shown = [ProductShown.model_validate_json(r.data) for r in sea_day if r.kind == "product_shown"]
    room_one = [e for e in shown if e.room_id == "sea-room-1"]
    flash = [e for e in room_one if (e.shown_until - e.shown_from).total_seconds() == 600]
    assert len(flash) == 1
    (sale,) = flash
    prices: dict[tuple[str, bool], set[Decimal]] = {}
    joins_during = joins_before = 0
    window = (sale.shown_from.timestamp(), sale.shown_until.timestamp())
    for record in sea_day:
        if record.kind == "add_to_cart":
            event = AddToCart.model_validate_json(record.data)
            if event.sku == sale.sku:
                prices.setdefault((event.sku, window[0] <= record.ts < window[1]), set()).add(event.unit_price)
        elif record.kind == "viewer_joined" and "sea-room-1" in record.data.decode():
            joins_during += window[0] <= record.ts < window[1]
            joins_before += window[0] - 600 <= record.ts < window[0]
    (sale_price,) = prices[(sale.sku, True)]
    (list_price,) = prices[(sale.sku, False)]
    assert sale_price == (list_price * Decimal("0.6")).quantize(Decimal("0.01"))
    assert joins_during > 1.8 * joins_before


def test_one_edge_node_degrades(sea_day: list[SimRecord]) -> None:
    sea = MARKETS["sea"]
    hot: Counter[str] = Counter()
    for record in sea_day:
        if record.kind == "edge_node_stats":
            stats = json.loads(record.data)
            if stats["cpu"] >= sea.alerts.edge_cpu_overload:
                hot[stats["edge_location"]] += 1
    assert set(hot) == {sea.edge_locations[1]}
    assert hot[sea.edge_locations[1]] == 15 * 4  # 15 minutes of 15-second samples


def test_malformed_share_is_honoured_and_leaves_valid_events_alone(sea_day: list[SimRecord]) -> None:
    dirty = list(generate_day(MARKETS["sea"], 5, SCALE, malformed_share=0.1))
    assert len(dirty) == len(sea_day)
    bad = [r for r in dirty if r.malformed]
    assert 0.08 < len(bad) / len(dirty) < 0.12
    assert {r.kind.split(":")[1] for r in bad} == set(MALFORMED_KINDS)
    for record in bad:
        with pytest.raises((ValidationError, ValueError)):
            parse_event(record.data)
    clean = [(d, c) for d, c in zip(dirty, sea_day, strict=True) if not d.malformed]
    assert all(d == c for d, c in clean)
    with pytest.raises(ValueError, match="malformed_share"):
        next(generate_day(MARKETS["sea"], 5, SCALE, malformed_share=1.5))


def test_file_round_trip(tmp_path: Path) -> None:
    records = list(generate_day(MARKETS["mena"], 2, 0.01, malformed_share=0.05))
    path = tmp_path / "day.jsonl"
    assert write_file(path, records) == len(records)
    assert list(read_file(path)) == records  # bytes identical, truncated JSON included


class FlakyKinesis:
    """Throttles the first ``throttled`` records of every call for ``rounds`` calls."""

    def __init__(self, throttled: int, rounds: int) -> None:
        self.throttled, self.rounds, self.calls, self.stored = throttled, rounds, 0, []  # type: ignore[var-annotated]

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        assert len(Records) <= 500
        self.calls += 1
        failing = self.throttled if self.calls <= self.rounds else 0
        results = [{"ErrorCode": "ProvisionedThroughputExceededException"}] * min(failing, len(Records))
        results += [{"SequenceNumber": str(i), "ShardId": "shardId-0"} for i in range(len(Records) - len(results))]
        self.stored.extend(Records[len(Records) - (len(Records) - min(failing, len(Records))) :])
        return {"FailedRecordCount": min(failing, len(Records)), "Records": results}


def test_failed_records_are_retried_then_counted() -> None:
    records = list(generate_day(MARKETS["eu"], 1, 0.01))[:1200]
    sleeps: list[float] = []
    client = FlakyKinesis(throttled=50, rounds=2)
    report = send_to_kinesis(records, "s", "eu-central-1", progress=False, client=client, sleep=sleeps.append)
    assert (report.sent, report.failed, report.retried, report.batches) == (1200, 0, 100, 3)
    assert sorted(r["Data"] for r in client.stored) == sorted(r.data for r in records)
    stubborn = FlakyKinesis(throttled=10, rounds=10**6)
    report = send_to_kinesis(
        records[:500], "s", "eu-central-1", progress=False, client=stubborn, attempts=3, sleep=sleeps.append
    )
    assert (report.sent, report.failed) == (490, 10)


def test_rate_limit_paces_the_sends() -> None:
    records = list(generate_day(MARKETS["eu"], 1, 0.01))[:1500]
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    report = send_to_kinesis(
        records,
        "s",
        "eu-central-1",
        rate_per_s=1000,
        progress=False,
        client=FlakyKinesis(0, 0),
        sleep=sleep,
        clock=lambda: now[0],
    )
    assert report.seconds == pytest.approx(1.5) and report.records_per_s == pytest.approx(1000)


def test_sends_to_a_kinesis_stream(sea_day: list[SimRecord]) -> None:
    market: Market = MARKETS["sea"]
    with mock_aws():
        kinesis = boto3.client("kinesis", region_name=market.region)
        kinesis.create_stream(StreamName="Livebase-sea-LiveEvents", ShardCount=1)
        report = send_to_kinesis(sea_day[:600], "Livebase-sea-LiveEvents", market.region, progress=False)
        assert (report.sent, report.failed, report.batches) == (600, 0, 2)
        shard = kinesis.describe_stream(StreamName="Livebase-sea-LiveEvents")["StreamDescription"]["Shards"][0]
        iterator = kinesis.get_shard_iterator(
            StreamName="Livebase-sea-LiveEvents", ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        got = kinesis.get_records(ShardIterator=iterator, Limit=1000)["Records"]
        assert [r["Data"] for r in got] == [r.data for r in sea_day[:600]]


def test_command_line_writes_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "hq.jsonl"
    assert main(["--market", "hq", "--seed", "3", "--scale", "0.01", "--malformed", "0.02", "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert f"wrote {len(lines)} records" in capsys.readouterr().out
    kinds = Counter(json.loads(line)["kind"] for line in lines)
    assert kinds["edge_node_stats"] > 0 and any(k.startswith("malformed:") for k in kinds)


def test_restamped_records_happen_now_and_each_pass_is_new_business() -> None:
    day = list(generate_day(MARKETS["sea"], seed=3, scale=0.02, malformed_share=0.05))
    order = next(r for r in day if r.kind == "order_placed")
    malformed = next(r for r in day if r.malformed)
    now = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)

    first, again = json.loads(restamped(order, now, 0)), json.loads(restamped(order, now, 2))
    assert first["ts"] == "2026-12-04T03:00:00.000Z"
    assert first["order_id"] == json.loads(order.data)["order_id"]
    assert again["order_id"] == f"{first['order_id']}-p2" and again["event_id"] == f"{first['event_id']}-p2"
    assert parse_event(restamped(order, now, 2)).ts - now < timedelta(seconds=1)  # still a valid event
    assert restamped(malformed, now, 1) == malformed.data
