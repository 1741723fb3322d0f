"""Room alerts: each fires on a crafted stream, stays quiet on a calm one, tuned from the market."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from livebase.live.alerts import (
    ConversionDrop,
    EdgeOverload,
    SentimentSpike,
    ViewerDrop,
    detect_conversion_drop,
    detect_edge_overload,
    detect_sentiment_spikes,
    detect_viewer_drop,
    evaluate,
    scan,
)
from livebase.live.room_metrics import EdgeTally, LanguageTally, aggregate
from livebase.live.room_minutes import MinuteMetrics, metrics_from_batches
from livebase.markets.config import AlertThresholds, Market, load_markets
from livebase.signals import bus_entry
from livebase.signals.rooms import AlertKind
from livebase_local.simulator.records import generate_day

T0 = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
MARKETS = load_markets()


def calm_minute(market: Market, i: int) -> MinuteMetrics:
    """A steady minute: 2% of 400 viewers buy, 2 of 30 comments per language are negative."""
    return MinuteMetrics(
        room_id="room-1",
        minute=T0 + timedelta(minutes=i),
        currency=market.currency,
        unique_viewers=400,
        buyers=8,
        orders=8,
        concurrent_viewers=500 + (i % 3) * 10,
        on_air_seconds=60,
        languages={lang: LanguageTally(30, 2 + (i % 2)) for lang in market.languages},
        edges={loc: EdgeTally(4, 4 * 0.5, 0.55, 4 * 0.005, 0.01, 4 * 100) for loc in market.edge_locations},
    )


def calm(market: Market, minutes: int = 60) -> list[MinuteMetrics]:
    return [calm_minute(market, i) for i in range(minutes)]


def with_market_alerts(market: Market, **changes: float) -> Market:
    return market.model_copy(update={"alerts": AlertThresholds(**{**market.alerts.model_dump(), **changes})})


@pytest.mark.parametrize("market_id", sorted(MARKETS))
def test_calm_stream_stays_quiet(market_id: str) -> None:
    assert scan(calm(MARKETS[market_id]), MARKETS[market_id]) == []


def test_conversion_drop_fires_with_its_numbers() -> None:
    sea = MARKETS["sea"]
    series = calm(sea)
    series[-5:] = [replace(m, buyers=1) for m in series[-5:]]
    alert = detect_conversion_drop(series, sea)
    assert isinstance(alert, ConversionDrop)
    assert (alert.current_viewers, alert.current_buyers) == (2000, 5)
    assert (alert.baseline_viewers, alert.baseline_buyers) == (12_000, 240)
    assert alert.baseline_rate == pytest.approx(0.02) and alert.current_rate == pytest.approx(0.0025)
    assert alert.p_value < sea.alerts.conversion_drop_p_value and alert.z < -3
    assert alert.dispersion == 1.0  # a steady baseline needs no inflation


def test_conversion_drop_is_a_test_not_a_threshold() -> None:
    """The same relative drop on a tiny room is not significant; on a big one it is."""
    sea = MARKETS["sea"]
    small = [replace(m, unique_viewers=40, buyers=1) for m in calm(sea)]
    small[-5:] = [replace(m, buyers=0) for m in small[-5:]]
    assert detect_conversion_drop(small, sea) is None  # fewer than 5 conversions expected
    noisy = calm(sea)  # a baseline swinging 0..16 buyers a minute widens the test
    noisy[-35:-5] = [replace(m, buyers=(16 if i % 2 else 0)) for i, m in enumerate(noisy[-35:-5])]
    noisy[-5:] = [replace(m, buyers=4) for m in noisy[-5:]]
    assert detect_conversion_drop(noisy, sea) is None
    steady = calm(sea)
    steady[-5:] = [replace(m, buyers=4) for m in steady[-5:]]
    assert detect_conversion_drop(steady, sea) is not None


def test_flash_sale_end_is_not_a_conversion_drop() -> None:
    sea = MARKETS["sea"]
    series = calm(sea)
    series[-15:-5] = [replace(m, buyers=60) for m in series[-15:-5]]  # 10 minutes of flash sale
    assert detect_conversion_drop(series, sea) is None
    series[-5:] = [replace(m, buyers=1) for m in series[-5:]]  # a real drop after it still shows
    alert = detect_conversion_drop(series, sea)
    assert alert is not None and alert.spike_minutes_left_out == 10 and alert.baseline_rate == pytest.approx(0.02)


@pytest.mark.parametrize("market_id", ["sea", "mena", "eu", "na"])
def test_sentiment_spike_fires_for_every_language_of_the_market(market_id: str) -> None:
    market = MARKETS[market_id]
    for lang in market.languages:
        series = calm(market)
        for i in (-2, -1):
            series[i] = replace(series[i], languages={**series[i].languages, lang: LanguageTally(30, 15)})
        spikes = detect_sentiment_spikes(series, market)
        assert [s.language for s in spikes] == [lang]
        (spike,) = spikes
        assert (spike.comments, spike.negative) == (60, 30)
        assert spike.z >= market.alerts.sentiment_spike_z and spike.p_value < 0.001


def test_sentiment_needs_enough_comments_and_follows_market_threshold() -> None:
    sea = MARKETS["sea"]
    series = calm(sea)
    for i in (-2, -1):
        series[i] = replace(series[i], languages={**series[i].languages, "vi": LanguageTally(5, 5)})
    assert detect_sentiment_spikes(series, sea) == []  # 10 comments < sentiment_min_comments
    assert detect_sentiment_spikes(series, with_market_alerts(sea, sentiment_min_comments=10)) != []


def test_viewer_drop_fires_on_air_and_not_at_the_show_end() -> None:
    na = MARKETS["na"]
    series = calm(na)
    series[-1] = replace(series[-1], concurrent_viewers=300, leaves=220)
    alert = detect_viewer_drop(series, na)
    assert isinstance(alert, ViewerDrop)
    assert alert.peak_viewers == 520 and alert.drop_fraction == pytest.approx(1 - 300 / 520)
    ended = [*series[:-1], replace(series[-1], on_air_seconds=20)]
    assert detect_viewer_drop(ended, na) is None
    assert detect_viewer_drop(series, with_market_alerts(na, viewer_drop_fraction=0.5)) is None


def test_tuning_is_read_from_the_market_config() -> None:
    na = MARKETS["na"]
    series = calm(na)
    series[-1] = replace(series[-1], concurrent_viewers=100)
    assert detect_viewer_drop(series, na) is not None
    knobs = na.alerts.model_copy(update={"viewer_drop_min_peak": 1000})
    assert detect_viewer_drop(series, na.model_copy(update={"alerts": knobs})) is None


def test_edge_overload_recommends_the_neighbour_with_headroom() -> None:
    sea = MARKETS["sea"]
    series = calm(sea)
    edges = dict(series[-1].edges)
    edges["SIN"] = EdgeTally(4, 4 * 0.95, 0.97, 4 * 0.01, 0.02, 4 * 400)
    edges["KUL"] = EdgeTally(4, 4 * 0.30, 0.31, 0.0, 0.0, 4 * 100)  # most headroom
    edges["BKK"] = EdgeTally(4, 4 * 0.80, 0.81, 0.0, 0.0, 4 * 100)  # healthy but no room below target
    del edges["SGN"]
    series[-1] = replace(series[-1], edges=edges)
    (alert,) = detect_edge_overload(series, sea)
    assert isinstance(alert, EdgeOverload)
    assert alert.edge_location == "SIN" and alert.recommended_location == "KUL"
    target = sea.alerts.edge_cpu_overload * 0.8
    assert alert.viewers_to_shift == pytest.approx(400 * (0.95 - target) / 0.95, abs=1)
    assert alert.recommended_capacity == int(100 * (target - 0.30) / 0.30)
    assert alert.unmeasured_neighbours == ("SGN",)


def test_edge_errors_alone_move_the_whole_node_and_no_room_means_no_recommendation() -> None:
    mena = MARKETS["mena"]
    series = calm(mena)
    edges = {"DXB": EdgeTally(1, 0.4, 0.4, 0.2, 0.2, 250), "FJR": EdgeTally(1, 0.84, 0.84, 0.0, 0.0, 90)}
    series[-1] = replace(series[-1], edges=edges)
    (alert,) = detect_edge_overload(series, mena)
    assert alert.viewers_to_shift == 250 and alert.recommended_location is None


def test_eventbridge_entry_carries_the_numbers_and_is_accepted() -> None:
    sea = MARKETS["sea"]
    series = calm(sea)
    series[-1] = replace(series[-1], concurrent_viewers=100)
    (alert,) = evaluate(series, sea)
    entry = bus_entry(alert, "livebase-sea-bus")
    detail = json.loads(entry["Detail"])
    assert entry["Source"] == "livebase.rooms" and entry["EventBusName"] == "livebase-sea-bus"
    assert detail["kind"] == AlertKind.VIEWER_DROP and detail["current_viewers"] == 100
    assert detail["fraction_threshold"] == sea.alerts.viewer_drop_fraction
    with mock_aws():
        events = boto3.client("events", region_name=sea.region)
        events.create_event_bus(Name="livebase-sea-bus")
        assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0


def test_scan_reports_onsets_only() -> None:
    sea = MARKETS["sea"]
    series = calm(sea)
    series[-3:] = [replace(m, concurrent_viewers=100) for m in series[-3:]]
    kinds = [a.kind for a in scan(series, sea)]
    assert kinds == [AlertKind.VIEWER_DROP]


def test_simulated_degraded_edge_raises_overload_and_trouble_comments() -> None:
    sea = MARKETS["sea"]
    # Prime-time room: 19:00-23:00 Singapore; the degraded node acts from 65% of the show on.
    # Parse only the 45 minutes before and 20 after that (a baseline plus the incident).
    incident = datetime(2026, 11, 11, 11, 0, tzinfo=UTC) + timedelta(hours=4 * 0.65)
    start, end = (
        (incident - timedelta(minutes=45)).timestamp(),
        (incident + timedelta(minutes=20)).timestamp(),
    )
    records = (r for r in generate_day(sea, 3, scale=0.2) if start <= r.ts < end)
    batch = aggregate(sea, "shardId-000000000000", ((str(i), r.event()) for i, r in enumerate(records)))
    room = metrics_from_batches([batch])["sea-room-1"]
    alerts = scan(room, sea)
    overloads = [a for a in alerts if isinstance(a, EdgeOverload)]
    assert {a.edge_location for a in overloads} == {sea.edge_locations[1]}  # the degraded node
    assert all(a.recommended_location in sea.edge_locations for a in overloads)
    first = min(a.minute for a in overloads)
    spikes = [a for a in alerts if isinstance(a, SentimentSpike)]
    assert any(first <= a.minute <= first + timedelta(minutes=15) for a in spikes)
