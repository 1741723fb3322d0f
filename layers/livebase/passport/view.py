"""The public passport of a batch: its events and their verification, labelled per language.

Deliberately public (a viewer scans the QR during the show): it holds only what the supply
events hold, which the schema keeps free of personal data (``livebase.passport.events``), plus
hashes. The status is ``verified`` (chain intact, anchored head in the chain and included under
the day's Merkle root), ``verified_pending_anchor`` (intact, not anchored yet) or
``not_verified`` (with the findings, each named).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from livebase.passport.chain import ChainEntry, Verification
from livebase.passport.labels import labels


@dataclass(frozen=True)
class AnchorProof:
    """The day's anchor as checked: its date and root, whether the batch's head is included, and what
    lets anyone check that without the API: the leaf (the anchored head), the proof path from it to
    the root, and the anchor object (key and version in the market's Object Lock bucket)."""

    day: str
    root: str
    included: bool
    leaf: dict[str, Any] = field(default_factory=dict)  # {"batch_id", "head", "length"}: what was hashed
    proof: tuple[tuple[str, str], ...] = ()  # ("left" | "right", sibling hash) from the leaf up
    key: str = ""
    version_id: str = ""


def status(verification: Verification, anchor: AnchorProof | None) -> str:
    if not verification.intact or (anchor is not None and not anchor.included):
        return "not_verified"
    return "verified" if anchor is not None else "verified_pending_anchor"


def passport(
    entries: Sequence[ChainEntry], verification: Verification, anchor: AnchorProof | None, languages: Sequence[str]
) -> dict[str, Any]:
    """The JSON body of ``GET /passport/{batch}``."""
    events = []
    for entry in sorted(entries, key=lambda e: e.seq):
        details = {k: v for k, v in entry.event.items() if k not in {"batch_id", "kind"}}
        kind = str(entry.event.get("kind", ""))
        events.append({
            "seq": entry.seq, "kind": kind,
            "label": labels(kind, languages) if kind in _KIND_LABELS else {},
            "details": details, "event_hash": entry.event_hash, "prev_hash": entry.prev_hash,
            "entry_hash": entry.entry_hash,
        })  # fmt: skip
    findings = [{**f.as_dict(), "label": labels(f.kind.value, languages)} for f in verification.findings]
    outcome = status(verification, anchor)
    if anchor is not None and not anchor.included:
        findings.append({
            "kind": "anchor_mismatch", "seq": -1, "event_id": "",
            "detail": "the batch's anchored head is not included under the day's root",
            "label": labels("anchor_mismatch", languages),
        })  # fmt: skip
    return {
        "batch_id": verification.batch_id,
        "languages": list(languages),
        "events": events,
        "verification": {
            "status": outcome,
            "label": labels(outcome, languages),
            "length": verification.length,
            "head": verification.head_hash,
            "findings": findings,
            "anchor": None if anchor is None else {
                "day": anchor.day, "root": anchor.root, "included": anchor.included,
                "length": verification.anchored.length if verification.anchored else None,
                "leaf": anchor.leaf, "proof": [list(step) for step in anchor.proof],
                "object": {"key": anchor.key, "version_id": anchor.version_id},
            },
        },
    }  # fmt: skip


_KIND_LABELS = {"origin", "qc_certificate", "customs_declaration", "warehouse_in", "warehouse_out", "shipment"}
