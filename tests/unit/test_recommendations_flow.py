"""recommendations-training's steps against an in-process moto: planned sessions become the player's
session records; lists are written only for consenting viewers and dropped once consent is withdrawn."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from flows.recommendations import behaviour, publish_model, publish_sessions, session_records
from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources
from livebase.privacy.consent import Purpose
from livebase.stores.consent import ConsentStore
from livebase.stores.orders import OrderStore
from livebase.stores.player import PlayerStore
from tests.support.orders import placed
from tests.support.player import eu_player_market

EU = load_markets()["eu"]
NOW = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
FAN, OTHER = "v_f000000000000001", "v_f000000000000002"


def _plan(first: date) -> dict[str, Any]:
    session = {"session_id": "eu-20261204-1", "start": "2026-12-04T18:00:00+00:00", "end": "2026-12-04T20:00:00+00:00",
               "lineup": [{"sku": "EU-10001"}, {"sku": "EU-10002"}],
               "split": {"experiment_id": "eu-20261204-1-lineup_order", "share_b": 0.5}}  # fmt: skip
    plain = {**session, "session_id": "eu-20261204-2", "split": None}
    return {"first_day": first.isoformat(), "last_day": first.isoformat(), "sessions": [session, plain]}


@pytest.fixture
def market(aws: Any) -> MarketResources:
    return eu_player_market(lake="eu-lake")


def test_planned_sessions_become_the_players_session_records(market: MarketResources) -> None:
    plan = _plan(date(2026, 12, 4))
    boto3.client("s3", region_name=EU.region).put_object(
        Bucket="eu-lake", Key="sessions/plans/eu/2026-12-04_2026-12-04.json", Body=json.dumps(plan).encode()
    )
    assert publish_sessions(market, date(2026, 12, 3), 2) == 2
    store = PlayerStore(boto3.client("dynamodb", region_name=EU.region), market.player_table)
    split = store.session("eu-20261204-1")
    assert split is not None and split.lineup == ("EU-10001", "EU-10002")
    assert (split.experiment_id, split.ends_at) == ("eu-20261204-1-lineup_order", datetime(2026, 12, 4, 20, tzinfo=UTC))
    assert store.session("eu-20261204-2") == session_records([plan])[1]
    assert store.session("eu-20261204-2").experiment_id is None  # type: ignore[union-attr]


def test_lists_only_with_consent_and_gone_after_withdrawal(market: MarketResources) -> None:
    orders = OrderStore.for_market(market)
    for n, (viewer, sku) in enumerate([(FAN, "EU-1"), (FAN, "EU-2"), (OTHER, "EU-1"), (OTHER, "EU-3")]):
        orders.save(placed(f"o-{n:06d}", NOW - timedelta(days=1), (sku, 1, "10.00")).model_copy(
            update={"viewer_id": viewer}), "placed")  # fmt: skip
    consent = ConsentStore.for_market(market)
    consent.record(FAN, Purpose.PERSONALISATION, True, NOW - timedelta(days=2))
    interactions, consenting = behaviour(market, NOW - timedelta(days=30))
    assert consenting == {FAN} and len(interactions) == 4
    summary = publish_model(market, interactions, consenting, NOW, 14.0)
    store = PlayerStore(boto3.client("dynamodb", region_name=EU.region), market.player_table, market.consent_table)
    assert summary["lists_written"] == 1 and store.listed_viewers() == {FAN}
    assert store.popular()[0] == "EU-1"  # everyone's orders, counted: an aggregate
    consent.record(FAN, Purpose.PERSONALISATION, False, NOW)
    interactions, consenting = behaviour(market, NOW - timedelta(days=30))
    assert publish_model(market, interactions, consenting, NOW, 14.0)["lists_dropped"] == 1
    assert store.listed_viewers() == set()
    assert store.recommendation_inputs("eu-20261204-1", FAN).scores is None
