"""Moderation in the room totals and its records in the room-metrics table (in-process moto)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3

from livebase.live.room_metrics import BatchAggregator
from livebase.live.room_minutes import metrics_from_batches
from livebase.markets.config import load_markets
from livebase.moderation import Moderator, Reason
from livebase.moderation.store import ModerationStore, viewer_key
from tests.support.room_events import SHARD, event, numbered
from tests.support.tables import REGION, string_keyed_table

SEA = load_markets()["sea"]


def moderated_batch() -> BatchAggregator:
    events = [event("viewer_joined", v, v) for v in range(10)]
    events.append(event("comment", 200, 40, viewer=1, text="DM me for cheaper", language="en"))
    events += [event("comment", 300 + i, 41 + i, viewer=2, text="buy now", language="en") for i in range(4)]
    events += [event("like", 400 + i, 10 + i * 2, viewer=3, count=5) for i in range(20)]  # a like bot
    events += [event("comment", 100 + v, 60 + v, viewer=v, text="so pretty", language="en") for v in range(10)]
    batch = BatchAggregator(SEA, SHARD, moderator=Moderator(SEA))
    for sequence, item in numbered(events):
        batch.add(sequence, item)
    return batch


def test_hidden_comments_are_not_counted_and_flagged_accounts_are_not_authentic() -> None:
    batch = moderated_batch()
    minutes = metrics_from_batches([batch])["room-1"]
    comments = sum(m.comments for m in minutes)
    assert comments == 10 + 2  # the scam and the third and fourth repeat are out
    assert sum(m.hidden_comments for m in minutes) == 3
    assert sum(m.languages["en"].comments for m in minutes if "en" in m.languages) == comments
    assert sum(m.likes for m in minutes) == 100
    assert sum(m.authentic_likes for m in minutes) < 100  # the burst after the twelfth like event
    # flags count from the flagging on: viewers 1 (scam) and 3 (like bot) later on are not authentic; viewer 2's
    # repeats are hidden, but repeats alone flag no account
    assert sum(m.authentic_comments for m in minutes) == 2 + 10 - 2
    assert [d.reason for _, d in batch.decisions] == [Reason.SCAM, Reason.FLOODING, Reason.FLOODING]


def test_an_unmoderated_batch_counts_everything_as_authentic() -> None:
    batch = BatchAggregator(SEA, SHARD)
    for sequence, item in numbered([event("like", 1, 1, count=4), event("viewer_joined", 2, 2)]):
        batch.add(sequence, item)
    (minute,) = metrics_from_batches([batch])["room-1"]
    assert (minute.authentic_likes, minute.authentic_joins) == (4, 1)


def test_decisions_held_queue_sanctions_and_the_action_log(aws: Any) -> None:
    table = boto3.resource("dynamodb", region_name=REGION).Table(string_keyed_table(aws, "rooms", "pk", "sk"))
    store = ModerationStore(table, "mena", clock=lambda: 1_800_000_000.0)
    mena = load_markets()["mena"]
    comments = [event("comment", 1, 1, market="mena", text="عندك بيرة؟", language="ar"),
                event("comment", 2, 2, market="mena", text="you idiot", language="en"),
                event("comment", 3, 3, market="mena", text="hello", language="en")]  # fmt: skip
    moderator = Moderator(mena)
    assert store.record_decisions((c, moderator.decide(c)) for c in comments) == 2  # type: ignore[arg-type,misc]
    (held,) = store.held()
    assert (held.reason, held.rule, held.text) == ("banned_category", "banned_category:alcohol", "عندك بيرة؟")
    logged = store.resolve(held, show=False, actor="ops-1", note="alcohol talk")
    assert logged["reason"] == Reason.OPS_HIDDEN and "decided by a person" in logged["statement"]
    assert store.held() == []
    stored = table.get_item(Key={"pk": "ROOM#room-1", "sk": f"MOD#{held.ts}#{held.event_id}"})["Item"]
    assert stored["verdict"] == "hide" and "text" not in stored
    viewer = comments[1].viewer_id
    ban = store.sanction(viewer, "ops-1", note="repeat insults")
    mute = store.sanction(comments[0].viewer_id, "ops-1", session_id="s-1")
    assert store.sanctions() == {(viewer, ""): Reason.BANNED, (comments[0].viewer_id, "s-1"): Reason.MUTED}
    assert ban["target"] == viewer_key(viewer) and viewer not in str(ban) and viewer not in str(mute)
    assert len(store.actions(datetime.fromtimestamp(1_800_000_000, UTC))) == 3
