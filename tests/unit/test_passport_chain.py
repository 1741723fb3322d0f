"""The passport's hash chain: append, tamper, removal, reorder, anchor and Merkle inclusion."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from pydantic import ValidationError

from livebase.passport.chain import (
    GENESIS,
    AnchoredHead,
    ChainEntry,
    FindingKind,
    event_hash,
    link_hash,
    next_entry,
    verify_chain,
)
from livebase.passport.events import parse_event
from livebase.passport.merkle import DayHead, inclusion_proof, merkle_root, verify_inclusion
from tests.support.passport import BATCH, batch_events


def build_chain() -> list[ChainEntry]:
    entries: list[ChainEntry] = []
    for event in batch_events():
        entries.append(next_entry(entries[-1] if entries else None, event))
    return entries


def kinds(entries: list[ChainEntry], anchored: AnchoredHead | None = None) -> list[tuple[FindingKind, int]]:
    return [(f.kind, f.seq) for f in verify_chain(BATCH, entries, anchored).findings]


def test_append_links_each_entry_to_the_previous_one() -> None:
    chain = build_chain()
    assert [e.seq for e in chain] == list(range(6))
    assert chain[0].prev_hash == GENESIS
    for before, entry in itertools.pairwise(chain):
        assert entry.prev_hash == before.entry_hash
        assert entry.entry_hash == link_hash(before.entry_hash, entry.event_hash)
    result = verify_chain(BATCH, chain)
    assert result.intact and result.length == 6 and result.head_hash == chain[-1].entry_hash


def test_an_event_of_another_batch_cannot_follow_the_head() -> None:
    other = batch_events(batch="SEA-BATCH-0002")[0]
    with pytest.raises(ValueError, match="batch SEA-BATCH-0002"):
        next_entry(build_chain()[-1], other)


def test_a_changed_event_is_named_as_tampered() -> None:
    chain = build_chain()
    event = {**chain[3].event, "quantity": 5000}
    chain[3] = dataclasses.replace(chain[3], event=event)
    result = verify_chain(BATCH, chain)
    assert [(f.kind, f.seq, f.event_id) for f in result.findings] == [(FindingKind.TAMPERED, 3, f"{BATCH}-e3")]
    assert "does not match its hash" in result.findings[0].detail


def test_a_rewritten_and_rehashed_entry_is_given_away_by_the_next_link() -> None:
    chain = build_chain()
    forged = parse_event({**chain[1].event, "result": "pass", "document_sha256": "cd" * 32})
    chain[1] = next_entry(chain[0], forged)  # consistent in itself
    assert kinds(chain) == [(FindingKind.TAMPERED, 1)]


def test_a_removed_entry_is_named_with_its_position() -> None:
    chain = build_chain()
    del chain[2]
    result = verify_chain(BATCH, chain)
    assert [(f.kind, f.seq) for f in result.findings] == [(FindingKind.REMOVED, 3)]
    assert "entries at 2 are missing" in result.findings[0].detail


def test_removed_tail_entries_are_found_against_the_anchor() -> None:
    chain = build_chain()
    anchored = AnchoredHead(chain[-1].entry_hash, len(chain))
    assert kinds(chain[:4], anchored) == [(FindingKind.REMOVED, 4)]
    assert kinds(chain, anchored) == []


def test_a_reordered_chain_is_named() -> None:
    chain = build_chain()
    swapped = [*chain[:2], dataclasses.replace(chain[3], seq=2), dataclasses.replace(chain[2], seq=3), *chain[4:]]
    found = kinds(swapped)
    assert (FindingKind.REORDERED, 2) in found and (FindingKind.REORDERED, 3) in found
    assert all(kind is FindingKind.REORDERED for kind, _ in found)


def test_a_chain_rewritten_before_its_anchor_differs_from_it() -> None:
    chain = build_chain()
    anchored = AnchoredHead(chain[3].entry_hash, 4)
    rebuilt: list[ChainEntry] = []
    for n, event in enumerate(batch_events()):
        changed = parse_event({**event.model_dump(mode="json"), "quantity": 9}) if n == 3 else event
        rebuilt.append(next_entry(rebuilt[-1] if rebuilt else None, changed))
    assert kinds(rebuilt) == []  # rebuilt from scratch, so consistent in itself...
    assert kinds(rebuilt, anchored) == [(FindingKind.ANCHOR_MISMATCH, 3)]  # ...but not what was anchored
    assert kinds(chain, anchored) == []  # later entries after the anchored head are fine


def test_event_hash_is_canonical_whatever_the_key_order() -> None:
    event = batch_events()[0]
    shuffled = dict(reversed(list(event.model_dump(mode="json").items())))
    assert event_hash(parse_event(shuffled)) == event_hash(event)


def test_events_refuse_contact_details_and_unknown_fields() -> None:
    value = batch_events()[0].model_dump(mode="json")
    with pytest.raises(ValidationError, match="producer"):
        parse_event({**value, "producer": "ask li.wei@example.com"})
    with pytest.raises(ValidationError, match="owner_name"):
        parse_event({**value, "owner_name": "Li Wei"})


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13])
def test_every_head_is_included_under_the_days_root(count: int) -> None:
    heads = [DayHead(f"B-{n:04d}", f"{n:064x}", n + 1) for n in range(count)]
    root = merkle_root(heads)
    for head in heads:
        assert verify_inclusion(head, inclusion_proof(heads, head.batch_id), root)
    other = DayHead(heads[0].batch_id, "f" * 64, 1)
    assert not verify_inclusion(other, inclusion_proof(heads, other.batch_id), root)


def test_the_root_does_not_depend_on_the_order_heads_are_read() -> None:
    heads = [DayHead(f"B-{n:04d}", f"{n:064x}", 1) for n in range(5)]
    assert merkle_root(heads) == merkle_root(list(reversed(heads)))
    with pytest.raises(ValueError, match="one head per batch"):
        merkle_root([*heads, heads[0]])
