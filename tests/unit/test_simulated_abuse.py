"""The simulator's injected abuse: opt-in, labelled beside the records, valid against the schema."""

from __future__ import annotations

from livebase.markets.config import load_markets
from livebase_local.simulator.abuse import injected_abuse, labels_of
from livebase_local.simulator.model import SimOptions
from livebase_local.simulator.records import generate_day


def test_abuse_is_opt_in_labelled_and_valid() -> None:
    mena = load_markets()["mena"]
    plain = [r.data for r in generate_day(mena, 3, scale=0.05)]
    with injected_abuse():
        abused = list(generate_day(mena, 3, scale=0.05))
    labels = labels_of(mena, 3, SimOptions(scale=0.05))
    assert len(abused) > len(plain) and set(plain) <= {r.data for r in abused}  # the plain day is untouched
    events = [r.event() for r in abused]  # every injected record passes the schema
    ids = {e.event_id for e in events}
    assert set(labels.comments) <= ids and labels.orders
    assert {"bot", "flood", "scam", "ring"} <= set(labels.accounts.values())
    assert "banned_category" in labels.comments.values()  # mena bans alcohol and pork
    assert not any(b"abuse" in r.data and b"label" in r.data for r in abused)  # labels stay out of the records
