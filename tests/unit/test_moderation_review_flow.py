"""The moderation-review flow's market task on moto: decisions applied and logged, the rest listed without text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from flows.moderation_review import ReviewDecision, review_market
from livebase.live.events import Comment
from livebase.markets.config import load_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase.moderation import Moderator
from livebase.moderation.store import ModerationStore
from tests.support.tables import string_keyed_table

MENA = load_markets()["mena"]


def held(store: ModerationStore, n: int) -> Comment:
    comment = Comment(event_id=f"ev-held-{n:08d}", market="mena", room_id="mena-room-1", session_id="mena-s-1",
                      ts=datetime.now(UTC) - timedelta(minutes=n), viewer_id="v_" + f"{n:x}" * 16, type="comment",
                      text="ابي خمر مع الطلب", language="ar")  # fmt: skip
    store.record_decisions([(comment, Moderator(MENA).decide(comment))])
    return comment


def test_decisions_are_applied_and_what_stays_held_is_listed_without_text(aws: Any) -> None:
    dynamodb = boto3.client("dynamodb", region_name=MENA.region)
    names = {field: f"mena-{field}" for field in OUTPUTS} | {
        "room_metrics_table": string_keyed_table(dynamodb, "room", "pk", "sk")
    }
    resources = MarketResources(market="mena", region=MENA.region, **names)
    table = boto3.resource("dynamodb", region_name=MENA.region).Table(names["room_metrics_table"])
    store = ModerationStore(table, "mena")
    first, second = held(store, 1), held(store, 2)
    decisions = [ReviewDecision(market="mena", kind="comment", id=first.event_id, approve=False, note="alcohol"),
                 ReviewDecision(market="mena", kind="order", id="ord-unknown-1", approve=True)]  # fmt: skip
    outcome = review_market.fn(resources, decisions)
    assert [a["id"] for a in outcome["applied"]] == [first.event_id]
    assert outcome["not_held"] == ["ord-unknown-1"]
    assert [row["id"] for row in outcome["held"]] == [second.event_id]
    assert outcome["held"][0]["rule"] == "banned_category:alcohol"
    assert second.text not in json.dumps(outcome) and second.viewer_id not in json.dumps(outcome)
