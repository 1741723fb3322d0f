"""What the API and the daily anchor do with the ledger and the anchor bucket (passed in).

``verify``: read a batch's chain and its latest anchor, check the chain, that the anchored head
is in it, and that the head is included under the anchor object's Merkle root (recomputed from
the object, not trusted from the ledger). ``anchor_day``: take the intact chains that changed
on a day, write the Merkle root of their heads once (locked), and note per batch what was
anchored; a chain that fails verification is left out and reported, never anchored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from livebase.passport.chain import AnchoredHead, ChainEntry, Verification, verify_chain
from livebase.passport.merkle import DayHead, inclusion_proof, merkle_root, verify_inclusion
from livebase.passport.view import AnchorProof


class Anchor(Protocol):
    day: str
    root: str
    head: AnchoredHead
    key: str
    version_id: str


class Ledger(Protocol):
    def entries(self, batch_id: str) -> list[ChainEntry]: ...
    def batches_of_day(self, day: str) -> list[str]: ...
    def latest_anchor(self, batch_id: str) -> Any: ...
    def record_anchor(
        self, batch_id: str, day: str, root: str, head: AnchoredHead, key: str, version_id: str
    ) -> None: ...


class Anchors(Protocol):
    def put(
        self, market: str, day: str, heads: Sequence[DayHead], root: str, retain_until: datetime
    ) -> tuple[str, str]: ...
    def get(self, key: str, version_id: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Checked:
    entries: list[ChainEntry]
    verification: Verification
    anchor: AnchorProof | None


def verify(ledger: Ledger, anchors: Anchors, batch_id: str) -> Checked:
    entries = ledger.entries(batch_id)
    record = ledger.latest_anchor(batch_id)
    if record is None:
        return Checked(entries, verify_chain(batch_id, entries), None)
    verification = verify_chain(batch_id, entries, record.head)
    document = anchors.get(record.key, record.version_id)
    heads = [DayHead(str(h["batch_id"]), str(h["head"]), int(h["length"])) for h in document.get("heads", [])]
    mine = DayHead(batch_id, record.head.head_hash, record.head.length)
    root = str(document.get("root", ""))
    proof = inclusion_proof(heads, batch_id) if mine in heads else []
    included = mine in heads and merkle_root(heads) == root and verify_inclusion(mine, proof, root)
    leaf = {"batch_id": batch_id, "head": mine.head, "length": mine.length}
    return Checked(
        entries, verification,
        AnchorProof(record.day, root, included, leaf, tuple(proof), record.key, record.version_id),
    )  # fmt: skip


@dataclass
class DayAnchor:
    market: str
    day: str
    root: str
    key: str
    version_id: str
    heads: list[DayHead] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)  # batch -> finding kinds


def anchor_day(ledger: Ledger, anchors: Anchors, market: str, day: str, retain_until: datetime) -> DayAnchor:
    """Anchor the day's intact chains (see the module docstring)."""
    heads: list[DayHead] = []
    refused: dict[str, list[str]] = {}
    for batch_id in ledger.batches_of_day(day):
        verification = verify_chain(batch_id, ledger.entries(batch_id))
        if not verification.intact:
            refused[batch_id] = [f.kind.value for f in verification.findings]
            continue
        heads.append(DayHead(batch_id, verification.head_hash, verification.length))
    if not heads:
        return DayAnchor(market, day, merkle_root([]), "", "", [], refused)
    root = merkle_root(heads)
    key, version_id = anchors.put(market, day, sorted(heads, key=lambda h: h.batch_id), root, retain_until)
    for head in heads:
        ledger.record_anchor(head.batch_id, day, root, AnchoredHead(head.head, head.length), key, version_id)
    return DayAnchor(market, day, root, key, version_id, heads, refused)
