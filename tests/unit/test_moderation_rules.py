"""Moderation's pure decisions: text rules, flooding, sanctions, statements of reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from livebase.live.events import Comment, Like
from livebase.markets.config import load_markets
from livebase.moderation import Moderator, Reason, Verdict, statement_of_reasons
from livebase.moderation.flooding import MAX_COMMENTS_PER_WINDOW, MAX_LIKE_EVENTS_PER_WINDOW
from livebase.moderation.store import CachedSanctions

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
_count = iter(range(1, 10**6))


def comment(text: str, viewer: str = "v_" + "a" * 16, at: float = 0.0, language: str = "en") -> Comment:
    return Comment(event_id=f"ev-test-{next(_count):08d}", market="mena", room_id="mena-room-1",
                   session_id="mena-room-1-20261201", ts=T0 + timedelta(seconds=at), viewer_id=viewer,
                   type="comment", text=text, language=language)  # fmt: skip


@pytest.fixture(scope="module")
def markets():  # type: ignore[no-untyped-def]
    return load_markets()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("DM me for cheaper!!", Reason.SCAM),
        ("d m  m3 for cheaper", Reason.SCAM),
        ("راسلني خاص ارخص عندي", Reason.SCAM),
        ("you idiot", Reason.INSULT),
        ("ta gueule", Reason.INSULT),
        ("visit www.cheapbags.xyz", Reason.SPAM),
        ("mail me: shopper at gmail dot com", Reason.CONTACT_DATA),
        ("ig: shop_cheap99", Reason.CONTACT_DATA),
        ("عندك بيرة؟", Reason.BANNED_CATEGORY),
    ],
)
def test_abusive_text_is_not_shown(markets, text: str, reason: Reason) -> None:  # type: ignore[no-untyped-def]
    decision = Moderator(markets["mena"]).decide(comment(text))
    assert decision.reason is reason
    assert decision.verdict is (Verdict.HOLD if reason is Reason.BANNED_CATEGORY else Verdict.HIDE)
    assert text not in decision.statement() and "Redress" in decision.statement()


@pytest.mark.parametrize(
    "text", ["this is a scam", "looks fake", "worst host ever", "كم السعر؟", "so beautiful 😍", "c'est une arnaque",
             "harga 150000", "lag again 😡", "ما شاء الله جميل"],
)  # fmt: skip
def test_criticism_and_chat_are_shown(markets, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = Moderator(markets["mena"]).decide(comment(text))
    assert decision.verdict is Verdict.SHOW
    assert statement_of_reasons(decision) == ""


def test_banned_categories_follow_the_market(markets) -> None:  # type: ignore[no-untyped-def]
    assert Moderator(markets["eu"]).decide(comment("beer tonight?")).shown
    assert not Moderator(markets["mena"]).decide(comment("beer tonight?")).shown


def test_flooding_hides_and_flags_the_account(markets) -> None:  # type: ignore[no-untyped-def]
    moderator = Moderator(markets["mena"])
    verdicts = [moderator.decide(comment(f"nice {i}", at=i)).verdict for i in range(MAX_COMMENTS_PER_WINDOW + 2)]
    assert verdicts[:MAX_COMMENTS_PER_WINDOW] == [Verdict.SHOW] * MAX_COMMENTS_PER_WINDOW
    assert verdicts[-1] is Verdict.HIDE
    assert moderator.flagged("mena-room-1", "v_" + "a" * 16) == "flooding:comment_rate"
    repeated = [moderator.decide(comment("buy buy", viewer="v_" + "b" * 16, at=i * 30)) for i in range(4)]
    assert [d.reason for d in repeated] == [Reason.NONE, Reason.NONE, Reason.FLOODING, Reason.FLOODING]
    assert moderator.flagged("mena-room-1", "v_" + "b" * 16) == ""  # repeats alone flag no account


def test_a_redelivered_comment_keeps_its_first_decision(markets) -> None:  # type: ignore[no-untyped-def]
    moderator = Moderator(markets["mena"])
    once = comment("hello")
    assert [moderator.decide(once).verdict for _ in range(5)] == [Verdict.SHOW] * 5


def test_like_bursts_make_an_account_inauthentic(markets) -> None:  # type: ignore[no-untyped-def]
    moderator = Moderator(markets["mena"])
    viewer = "v_" + "c" * 16
    likes = [Like(event_id=f"ev-like-{i:08d}", market="mena", room_id="r-1", session_id="s-1",
                  ts=T0 + timedelta(seconds=i * 2), viewer_id=viewer, type="like") for i in range(20)]  # fmt: skip
    authentic = [moderator.observe(like) for like in likes]
    assert authentic[:MAX_LIKE_EVENTS_PER_WINDOW] == [True] * MAX_LIKE_EVENTS_PER_WINDOW
    assert authentic[-1] is False


def test_sanctions_hide_and_are_read_at_most_every_refresh(markets) -> None:  # type: ignore[no-untyped-def]
    loads: list[int] = []
    now = [0.0]

    def load() -> dict[tuple[str, str], Reason]:
        loads.append(1)
        return {("v_" + "d" * 16, ""): Reason.BANNED, ("v_" + "e" * 16, "mena-room-1-20261201"): Reason.MUTED}

    moderator = Moderator(markets["mena"], CachedSanctions(load, refresh_s=30, clock=lambda: now[0]))
    assert moderator.decide(comment("hi", viewer="v_" + "d" * 16)).reason is Reason.BANNED
    assert moderator.decide(comment("hi", viewer="v_" + "e" * 16)).reason is Reason.MUTED
    assert moderator.decide(comment("hi", viewer="v_" + "f" * 16)).shown
    now[0] = 31.0
    moderator.decide(comment("hi again"))
    assert len(loads) == 2
