"""Merkle root of a day's chain heads and inclusion proofs (RFC 6962 hashing).

Leaves are hashed with a 0x00 prefix and inner nodes with 0x01, so a leaf can never pass for a
node; an odd node at the end of a level is carried up unchanged. One leaf per batch that changed
that day: the canonical JSON of ``{"batch_id", "head", "length"}``, sorted by batch id, so the
same heads always give the same root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from livebase.passport.canonical import canonical_json

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class DayHead:
    batch_id: str
    head: str  # the chain's head entry hash at anchoring time
    length: int

    def leaf(self) -> bytes:
        return canonical_json({"batch_id": self.batch_id, "head": self.head, "length": self.length})


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    level = [_leaf_hash(leaf) for leaf in leaves]
    levels = [level]
    while len(level) > 1:
        pairs = [_node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = pairs + ([level[-1]] if len(level) % 2 else [])
        levels.append(level)
    return levels


def sorted_heads(heads: Sequence[DayHead]) -> list[DayHead]:
    batches = [h.batch_id for h in heads]
    if len(set(batches)) != len(batches):
        raise ValueError("one head per batch")
    return sorted(heads, key=lambda h: h.batch_id)


def merkle_root(heads: Sequence[DayHead]) -> str:
    if not heads:
        return EMPTY_ROOT
    return _levels([h.leaf() for h in sorted_heads(heads)])[-1][0].hex()


ProofStep = tuple[Literal["left", "right"], str]


def inclusion_proof(heads: Sequence[DayHead], batch_id: str) -> list[ProofStep]:
    """The sibling hashes from the batch's leaf up to the root (raises ``KeyError`` if absent)."""
    ordered = sorted_heads(heads)
    index = next((i for i, h in enumerate(ordered) if h.batch_id == batch_id), None)
    if index is None:
        raise KeyError(batch_id)
    proof: list[ProofStep] = []
    for level in _levels([h.leaf() for h in ordered])[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(("left" if sibling < index else "right", level[sibling].hex()))
        index //= 2
    return proof


def verify_inclusion(head: DayHead, proof: Sequence[ProofStep], root: str) -> bool:
    node = _leaf_hash(head.leaf())
    for side, sibling in proof:
        other = bytes.fromhex(sibling)
        node = _node_hash(other, node) if side == "left" else _node_hash(node, other)
    return node.hex() == root
