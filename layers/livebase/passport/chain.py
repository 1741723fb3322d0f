"""The hash chain of one batch: each entry holds the hash of the previous entry and of its event.

``event_hash = sha256(canonical_json(event))`` and ``entry_hash = sha256(prev_hash + event_hash)``
(hex strings concatenated); the first entry's ``prev_hash`` is :data:`GENESIS`. ``seq`` is the
entry's position in the ledger (0, 1, ...): the store appends at ``head.seq + 1`` only if that
position is still free, so two writers cannot fork a chain.

:func:`verify_chain` names what is wrong rather than only saying "invalid":

* ``tampered``: an entry whose event no longer hashes to its ``event_hash``, or whose
  ``entry_hash`` does not follow from its fields; or an entry rewritten and re-hashed, which the
  next entry's link (or the anchored head) gives away;
* ``removed``: a gap in the positions (and the broken link after it), or a chain shorter than
  its anchored head says;
* ``reordered``: an entry whose link points to an entry that is not its predecessor;
* ``anchor_mismatch``: the anchored head is not in the chain at the anchored length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from livebase.passport.canonical import canonical_json, sha256_hex
from livebase.passport.events import SupplyEvent, event_json, parse_event

GENESIS = "0" * 64


def event_hash(event: SupplyEvent) -> str:
    return sha256_hex(canonical_json(event_json(event)))


def link_hash(prev_hash: str, own_event_hash: str) -> str:
    return sha256_hex(f"{prev_hash}{own_event_hash}".encode())


@dataclass(frozen=True)
class ChainEntry:
    """One ledger entry. ``event`` is the stored JSON value, as it was hashed (or as it now is)."""

    batch_id: str
    seq: int
    event: dict[str, Any]
    event_hash: str
    prev_hash: str
    entry_hash: str

    @property
    def event_id(self) -> str:
        return str(self.event.get("event_id", ""))


def next_entry(head: ChainEntry | None, event: SupplyEvent) -> ChainEntry:
    """The entry that appends ``event`` after ``head`` (``None``: the batch's first entry)."""
    if head is not None and head.batch_id != event.batch_id:
        raise ValueError(f"event of batch {event.batch_id} cannot follow the head of batch {head.batch_id}")
    prev = head.entry_hash if head else GENESIS
    own = event_hash(event)
    return ChainEntry(event.batch_id, head.seq + 1 if head else 0, event_json(event), own, prev, link_hash(prev, own))


class FindingKind(StrEnum):
    TAMPERED = "tampered"
    REMOVED = "removed"
    REORDERED = "reordered"
    ANCHOR_MISMATCH = "anchor_mismatch"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    seq: int  # the position the finding is about
    event_id: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "seq": self.seq, "event_id": self.event_id, "detail": self.detail}


@dataclass(frozen=True)
class AnchoredHead:
    """What a day's anchor committed to for this batch: its head hash and length then."""

    head_hash: str
    length: int


@dataclass(frozen=True)
class Verification:
    batch_id: str
    length: int
    head_hash: str
    findings: list[Finding] = field(default_factory=list)
    anchored: AnchoredHead | None = None

    @property
    def intact(self) -> bool:
        return not self.findings


def _entry_findings(entry: ChainEntry) -> list[Finding]:
    try:
        recomputed = event_hash(parse_event(entry.event))
    except ValueError:
        return [Finding(FindingKind.TAMPERED, entry.seq, entry.event_id, "the stored event is no longer a valid event")]
    if recomputed != entry.event_hash:
        return [Finding(FindingKind.TAMPERED, entry.seq, entry.event_id, "the event does not match its hash")]
    if link_hash(entry.prev_hash, entry.event_hash) != entry.entry_hash:
        return [Finding(FindingKind.TAMPERED, entry.seq, entry.event_id, "the entry hash does not follow from it")]
    return []


def _link_finding(entry: ChainEntry, before: ChainEntry | None, by_hash: dict[str, ChainEntry]) -> Finding | None:
    expected = before.entry_hash if before else GENESIS
    if entry.prev_hash == expected:
        return None
    gap = entry.seq - (before.seq + 1 if before else 0)
    if gap > 0:
        missing = ", ".join(str(n) for n in range(entry.seq - gap, entry.seq))
        return Finding(FindingKind.REMOVED, entry.seq, entry.event_id, f"entries at {missing} are missing before it")
    linked = by_hash.get(entry.prev_hash)
    if linked is not None:
        return Finding(
            FindingKind.REORDERED, entry.seq, entry.event_id,
            f"it was appended after the entry now at {linked.seq}, not after its predecessor",
        )  # fmt: skip
    if before is not None:
        return Finding(
            FindingKind.TAMPERED, before.seq, before.event_id,
            f"rewritten and re-hashed: the entry at {entry.seq} was appended after a different one",
        )  # fmt: skip
    return Finding(FindingKind.REMOVED, entry.seq, entry.event_id, "the entries before it are missing")


def verify_chain(batch_id: str, entries: Sequence[ChainEntry], anchored: AnchoredHead | None = None) -> Verification:
    """Check ``entries`` (in ledger order, by ``seq``) and, if given, the day's anchored head."""
    ordered = sorted(entries, key=lambda e: e.seq)
    findings: list[Finding] = []
    by_hash = {e.entry_hash: e for e in ordered}
    before: ChainEntry | None = None
    for entry in ordered:
        if entry.batch_id != batch_id:
            findings.append(Finding(FindingKind.TAMPERED, entry.seq, entry.event_id, "entry of another batch"))
        findings += _entry_findings(entry)
        link = _link_finding(entry, before, by_hash)
        if link is not None:
            findings.append(link)
        before = entry
    if anchored is not None:
        findings += _anchor_findings(ordered, anchored)
    head = ordered[-1].entry_hash if ordered else GENESIS
    return Verification(batch_id, len(ordered), head, findings, anchored)


def _anchor_findings(ordered: Sequence[ChainEntry], anchored: AnchoredHead) -> list[Finding]:
    at = anchored.length - 1
    last = ordered[-1].seq if ordered else -1
    if last < at:
        detail = f"the anchor committed to {anchored.length} entries; entries after {last} were removed"
        return [Finding(FindingKind.REMOVED, last + 1, "", detail)]
    entry = next((e for e in ordered if e.seq == at), None)
    if entry is None or entry.entry_hash != anchored.head_hash:
        detail = "the chain up to here differs from the one anchored (rewritten before the anchor)"
        return [Finding(FindingKind.ANCHOR_MISMATCH, at, entry.event_id if entry else "", detail)]
    return []
