"""The player function against an in-process moto: join (room, arm, exposure once) and recommendations.

The answers come from the player table's records (sessions, top lists) and the Consent table, never
from what the request claims; refusals say why and never echo the viewer.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from livebase.markets.config import load_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase.privacy.consent import Purpose
from livebase.sessions.experiments import arm_room, assign_variant
from livebase.sessions.joining import SessionRecord
from livebase.stores.consent import ConsentStore
from livebase.stores.player import PlayerStore
from livebase_local.runner.functions import load_handler
from tests.support.lambda_events import CONTEXT, sample
from tests.support.tables import string_keyed_table

EU = load_markets()["eu"]
VIEWER = "v_4f2a9c1e7b3d5a60"
LINEUP = ("EU-10001", "EU-10002", "EU-10003", "EU-10004")


class Player:
    def __init__(self) -> None:
        client = boto3.client("dynamodb", region_name=EU.region)
        names = {field: f"eu-{field}" for field in OUTPUTS}
        names["player_table"] = string_keyed_table(client, "player", "pk", "sk")
        names["consent_table"] = string_keyed_table(client, "consent", "viewer_key", "purpose")
        self.resources = MarketResources(market="eu", region=EU.region, **names)
        self.store = PlayerStore(client, names["player_table"], names["consent_table"])
        self.consent = ConsentStore(client, names["consent_table"])
        self.module: ModuleType = load_handler("player", self.resources, container=uuid.uuid4().hex[:8])[0]

    def join(self, session: str, body: Any) -> tuple[int, dict[str, Any]]:
        event = sample("apigateway_post_player_join")
        event["path"], event["pathParameters"] = f"/sessions/{session}/join", {"session": session}
        event["body"] = body if isinstance(body, str) else json.dumps(body)
        return self._call(event)

    def recommendations(self, session: str, viewer: str) -> tuple[int, dict[str, Any]]:
        event = sample("apigateway_get_recommendations")
        query = {"session": session, "viewer": viewer}
        event["queryStringParameters"], event["multiValueQueryStringParameters"] = (
            query,
            {k: [v] for k, v in query.items()},
        )
        return self._call(event)

    def _call(self, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = self.module.lambda_handler(event, CONTEXT)
        return int(response["statusCode"]), json.loads(response["body"])


@pytest.fixture
def player(aws: Any) -> Player:
    return Player()


def _session(player: Player, session: str, experiment: str | None, ends_in: timedelta = timedelta(hours=2)) -> None:
    now = datetime.now(UTC)
    record = SessionRecord(session, session, LINEUP, experiment, 0.5, now + ends_in if experiment else None)
    player.store.put_session(record, expires=now + timedelta(days=1))


def test_join_answers_the_arm_from_assign_variant_and_records_the_exposure_once(player: Player) -> None:
    _session(player, "eu-20261203-1", "eu-20261203-1-lineup_order")
    status, body = player.join("eu-20261203-1", {"viewer": VIEWER})
    variant = assign_variant(VIEWER, "eu-20261203-1-lineup_order")
    assert status == 200 and body == {
        "session": "eu-20261203-1", "room": arm_room("eu-20261203-1", variant),
        "experiment": "eu-20261203-1-lineup_order", "variant": variant,
    }  # fmt: skip
    assert player.join("eu-20261203-1", {"viewer": VIEWER}) == (status, body)  # stable
    [exposure] = player.store.exposures("eu-20261203-1-lineup_order")
    assert exposure.arm == variant and VIEWER not in exposure.viewer_hash
    many = [f"v_{uuid.uuid4().hex[:20]}" for _ in range(100)]
    for viewer in many:
        player.join("eu-20261203-1", {"viewer": viewer})
    arms = [e.arm for e in player.store.exposures("eu-20261203-1-lineup_order")]
    assert len(arms) == 101 and 30 < arms.count("B") < 72


def test_a_session_without_experiment_answers_its_room(player: Player) -> None:
    _session(player, "eu-20261203-2", None)
    assert player.join("eu-20261203-2", {"viewer": VIEWER}) == (
        200, {"session": "eu-20261203-2", "room": "eu-20261203-2", "experiment": None, "variant": None},
    )  # fmt: skip


def test_refusals_say_why_and_never_echo_the_viewer(player: Player) -> None:
    _session(player, "eu-20261203-3", "eu-20261203-3-host_style", ends_in=timedelta(hours=-1))
    status, body = player.join("eu-20261203-9", {"viewer": VIEWER})
    assert (status, body) == (404, {"refused": "session eu-20261203-9: unknown session"})
    status, body = player.join("eu-20261203-3", {"viewer": VIEWER})
    assert status == 409 and "experiment eu-20261203-3-host_style ended" in body["refused"]
    assert player.store.exposures("eu-20261203-3-host_style") == []
    for bad in ({"viewer": "+65 9123 4567"}, {"viewer": 7}, {}, "not json", ["v_1"]):
        status, body = player.join("eu-20261203-2", bad)
        assert status == 400 and "9123" not in json.dumps(body), bad
    status, body = player.recommendations("eu 1", VIEWER)
    assert status == 400 and "session" in body["message"]


def test_recommendations_are_personal_only_with_consent_else_the_lineup_order(player: Player) -> None:
    _session(player, "eu-20261203-4", None)
    status, body = player.recommendations("eu-20261203-4", VIEWER)
    assert status == 200 and body["items"] == list(LINEUP) and body["source"] == "lineup"
    assert body["reason"] == "no personalisation consent"
    player.store.put_top_lists({VIEWER: [("EU-10003", 2.0), ("EU-10004", 1.0), ("EU-99999", 0.5)]}, datetime.now(UTC))
    assert player.recommendations("eu-20261203-4", VIEWER)[1]["source"] == "lineup"  # a list, but no consent
    player.consent.record(VIEWER, Purpose.PERSONALISATION, True, datetime.now(UTC))
    status, body = player.recommendations("eu-20261203-4", VIEWER)
    assert status == 200 and body["source"] == "personal" and body["reason"] is None
    assert body["items"] == ["EU-10003", "EU-10004", "EU-10001", "EU-10002"]  # only the line-up, liked first
    player.consent.record(VIEWER, Purpose.PERSONALISATION, False, datetime.now(UTC) + timedelta(seconds=1))
    assert player.recommendations("eu-20261203-4", VIEWER)[1]["items"] == list(LINEUP)
    assert player.recommendations("eu-20261203-9", VIEWER)[0] == 404
