"""The moderation Lambda on moto with the sample API event: actions applied and logged, bad bodies refused."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from livebase.live.events import Comment
from livebase.markets.config import load_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase.moderation import Moderator, Reason
from livebase.moderation.store import CachedSanctions, ModerationStore
from livebase_local.runner.functions import load_handler
from tests.support.lambda_events import lambda_context, sample
from tests.support.tables import string_keyed_table

EVENT = sample("apigateway_post_moderation_action")
CONTEXT = lambda_context("livebase-mena-moderation", region="me-central-1")
VIEWER = json.loads(EVENT["body"])["viewer_id"]
MENA = load_markets()["mena"]


@pytest.fixture
def api(aws: Any) -> tuple[ModuleType, ModerationStore]:
    dynamodb = boto3.client("dynamodb", region_name=MENA.region)
    names = {field: f"mena-{field}" for field in OUTPUTS} | {
        "room_metrics_table": string_keyed_table(dynamodb, "room", "pk", "sk")
    }
    resources = MarketResources(market="mena", region=MENA.region, **names)
    module = load_handler("moderation", resources, container=uuid.uuid4().hex[:8])[0]
    table = boto3.resource("dynamodb", region_name=MENA.region).Table(names["room_metrics_table"])
    return module, ModerationStore(table, "mena")


def call(module: ModuleType, path: str, method: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    event = {**EVENT, "resource": path, "path": path, "httpMethod": method,
             "body": body if isinstance(body, str) or body is None else json.dumps(body)}  # fmt: skip
    response = module.lambda_handler(event, CONTEXT)
    return response["statusCode"], json.loads(response["body"])


def held_comment(store: ModerationStore) -> Comment:
    comment = Comment(event_id="ev-held-00000001", market="mena", room_id="mena-room-1", session_id="mena-s-1",
                      ts=datetime.now(UTC) - timedelta(minutes=1), viewer_id="v_" + "1" * 32, type="comment",
                      text="عندك بيرة؟", language="ar")  # fmt: skip
    store.record_decisions([(comment, Moderator(MENA).decide(comment))])
    return comment


def test_the_sample_ban_is_applied_and_ingest_hides_the_viewer_next(api: tuple[ModuleType, ModerationStore]) -> None:
    module, store = api
    status, body = call(module, "/moderation/actions", "POST", EVENT["body"])
    assert status == 200 and body["reason"] == "banned" and "Redress" in body["statement"]
    assert VIEWER not in json.dumps(body) and body["actor"].endswith("ops-reviewer")
    moderator = Moderator(MENA, CachedSanctions(store.sanctions))
    later = Comment(event_id="ev-later-00000001", market="mena", room_id="r-1", session_id="s-1",
                    ts=datetime.now(UTC), viewer_id=VIEWER, type="comment", text="hello", language="en")  # fmt: skip
    assert moderator.decide(later).reason is Reason.BANNED


def test_held_comments_are_listed_and_reviewed(api: tuple[ModuleType, ModerationStore]) -> None:
    module, store = api
    comment = held_comment(store)
    status, listed = call(module, "/moderation/held", "GET")
    assert status == 200 and [c["event_id"] for c in listed["comments"]] == [comment.event_id]
    assert listed["comments"][0]["viewer"].startswith("vk_") and comment.viewer_id not in json.dumps(listed)
    action = {"action": "show", "room_id": comment.room_id, "event_id": comment.event_id, "note": "a question"}
    status, logged = call(module, "/moderation/actions", "POST", action)
    assert status == 200 and logged["reason"] == "ops_approved"
    assert call(module, "/moderation/held", "GET")[1]["comments"] == []


@pytest.mark.parametrize(
    "body",
    ['{"action": "ban", "viewer_id": "alice@example.com"}', '{"action": "explode"}', "not json",
     '{"action": "mute", "viewer_id": "v_00112233445566778899aabbccddeeff"}'],
)  # fmt: skip
def test_bad_bodies_are_refused_without_echo(api: tuple[ModuleType, ModerationStore], body: str) -> None:
    status, answer = call(api[0], "/moderation/actions", "POST", body)
    assert status == 400 and "alice@example.com" not in json.dumps(answer)


def test_an_unsigned_call_is_forbidden(api: tuple[ModuleType, ModerationStore]) -> None:
    event = json.loads(json.dumps(EVENT))
    event["requestContext"]["identity"]["userArn"] = None
    assert api[0].lambda_handler(event, CONTEXT)["statusCode"] == 403
