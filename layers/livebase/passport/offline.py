"""Check a served passport without trusting the API: the recipe docs/passport.md gives, as code.

Standard library only (``hashlib``, ``json``), so anyone can copy it: given the JSON of
``GET /passport/{batch}`` and the day's Merkle root read from the anchor itself (the object in the
market's Object Lock bucket the passport names, or any published copy of the day's root), it
recomputes

1. each event's hash from its canonical JSON (the shown details plus ``batch_id`` and ``kind``:
   keys sorted, no spaces, UTF-8), and each entry hash ``sha256(prev_hash + event_hash)`` (hex
   strings), from ``"0" * 64`` for the first;
2. the anchored leaf ``{"batch_id", "head", "length"}``: its head must be the entry hash at
   position ``length - 1``;
3. the Merkle path: ``sha256(0x00 + leaf JSON)``, then per step ``sha256(0x01 + left + right)``
   with the sibling on the side the step names; the result must be the root.

:func:`check` returns the first thing that does not hold (empty: the passport is what was anchored).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def check(passport: dict[str, Any], root: str) -> str:
    """'' when every event, link and the anchor's proof hold against ``root``; else what fails."""
    batch = passport["batch_id"]
    previous = GENESIS
    hashes = []
    for event in passport["events"]:
        own = hashlib.sha256(canonical({**event["details"], "batch_id": batch, "kind": event["kind"]})).hexdigest()
        if own != event["event_hash"]:
            return f"event {event['seq']}: its content does not match its hash"
        entry = hashlib.sha256(f"{previous}{own}".encode()).hexdigest()
        if entry != event["entry_hash"]:
            return f"event {event['seq']}: not linked to the one before"
        hashes.append(previous := entry)
    anchor = passport["verification"].get("anchor")
    if not anchor:
        return "not anchored yet"
    leaf = anchor["leaf"]
    if leaf.get("batch_id") != batch or not 0 < int(leaf["length"]) <= len(hashes):
        return "the anchored leaf is not this batch's"
    if hashes[int(leaf["length"]) - 1] != leaf["head"]:
        return "the chain differs from the one anchored"
    node = hashlib.sha256(b"\x00" + canonical(leaf)).digest()
    for side, sibling in anchor["proof"]:
        other = bytes.fromhex(sibling)
        node = hashlib.sha256(b"\x01" + (other + node if side == "left" else node + other)).digest()
    return "" if node.hex() == root else "the proof does not lead to the anchor's root"
