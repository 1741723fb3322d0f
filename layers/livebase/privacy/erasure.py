"""Erasure of one viewer: what counts as mentioning them, and the receipt saying what went where.

Pure: the I/O is ``livebase.stores.erasure.ViewerErasure``. A viewer is named by their
pseudonymous id (``viewer_key``: what every store holds). The receipt never names them: it
carries a SHA-256 digest of the key (enough to answer "was X erased?" for whoever already holds
X, useless to anyone else), and per store what was removed and where.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from livebase.batches.reasons import contact_data_in
from livebase.privacy.pseudonyms import is_pseudonym
from livebase.privacy.retention import RECEIPTS_PREFIX


class ErasureError(ValueError):
    """An erasure request that cannot be carried out as given (the message names the field)."""


def subject_digest(viewer_key: str) -> str:
    return hashlib.sha256(viewer_key.encode("utf-8")).hexdigest()


def check_viewer_key(viewer_key: str) -> str:
    if not is_pseudonym(viewer_key):
        raise ErasureError("viewer: not a pseudonymous id (v_ + hex); pseudonymise a raw id in-region first")
    return viewer_key


def viewer_key_of(viewer: str, pseudonymise: Callable[[str], str]) -> str:
    """The pseudonymous key of ``viewer``: as given when it is one, else the in-region keyed hash of the raw id."""
    if not viewer:
        raise ErasureError("viewer: empty")
    if is_pseudonym(viewer):
        return viewer
    if contact_data_in(viewer):  # never a viewer id: hashing it would erase nobody and say "done"
        what = "an e-mail address" if "@" in viewer else "a phone number"
        raise ErasureError(
            f"viewer: this looks like {what}; viewer ids are pseudonyms (v_<hex>) or the account id, never "
            "contact details: find the account id first"
        )
    return pseudonymise(viewer)


def mentions(body: bytes, viewer_key: str) -> bool:
    """Whether a stored body names the viewer, however the store wrote it: raw, JSON-escaped
    (``\\u0076_...``), in a base64 record it carries (a Kinesis record kept in quarantine, a DLQ body,
    an archived record), gzip-compressed, or nested several of these deep (:data:`DECODE_DEPTH`)."""
    return _mentions(body, viewer_key.encode("utf-8"), 0)


DECODE_DEPTH = 4  # layers of encoding looked through (gzip in base64 in JSON in JSON: 4)
MAX_INFLATED = 64 * 1024 * 1024  # a gzip body larger than this once inflated is not inflated (a bomb)
_BASE64 = re.compile(rb"[A-Za-z0-9+/]{16,}={0,2}")  # a base64 run long enough to hold a viewer id
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _mentions(body: bytes, needle: bytes, depth: int) -> bool:
    if needle in body:
        return True
    if depth >= DECODE_DEPTH:
        return False
    if body[:2] == b"\x1f\x8b":
        inflated = _gunzip(body)
        return inflated is not None and _mentions(inflated, needle, depth + 1)
    text = body.decode("utf-8", errors="replace")
    if "\\u" in text and needle.decode() in _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text):
        return True
    for document in _json_documents(text):
        if any(_mentions(value.encode("utf-8"), needle, depth + 1) for value in _strings(document)):
            return True
    return any(_mentions(decoded, needle, depth + 1) for decoded in _base64_runs(body))


def _gunzip(body: bytes) -> bytes | None:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            inflated = stream.read(MAX_INFLATED + 1)
    except (OSError, EOFError, zlib.error):
        return None
    return inflated if len(inflated) <= MAX_INFLATED else None


def _json_documents(text: str) -> list[Any]:
    """The body as JSON: whole, or line by line (JSON lines); nothing if it is neither."""
    if text.lstrip()[:1] not in ("{", "[", '"'):
        return []
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    documents = []
    for line in text.splitlines():
        try:
            documents.append(json.loads(line))
        except ValueError:
            continue
    return documents


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in (str(k), *_strings(v))]
    if isinstance(value, list):
        return [text for v in value for text in _strings(v)]
    return []


def _base64_runs(body: bytes) -> list[bytes]:
    decoded = []
    for run in _BASE64.findall(body):
        try:
            decoded.append(base64.b64decode(run + b"=" * (-len(run) % 4), validate=True))
        except (binascii.Error, ValueError):
            continue
    return decoded


def without_viewer(document: Any, viewer_key: str) -> Any:
    """A JSON document with every list entry equal to (or a record naming) the viewer left out."""
    if isinstance(document, list):
        return [without_viewer(v, viewer_key) for v in document if not _names(v, viewer_key)]
    if isinstance(document, dict):
        return {k: without_viewer(v, viewer_key) for k, v in document.items()}
    return document


def _names(value: Any, viewer_key: str) -> bool:
    if isinstance(value, str):
        return value == viewer_key
    if isinstance(value, dict):
        return any(v == viewer_key for v in value.values())
    return False


@dataclass
class ErasureReceipt:
    """What one erasure removed, per store: ``removed[store]`` lists where (keys, ids, objects)."""

    market: str
    request_id: str
    subject: str  # subject_digest(viewer_key)
    requested_at: datetime
    removed: dict[str, list[str]] = field(default_factory=dict)
    remaining: dict[str, int] = field(default_factory=dict)  # the scan after: every count should be 0
    unscanned: dict[str, int] = field(default_factory=dict)  # what the scan after could not look at (in flight)
    not_erasable: dict[str, str] = field(default_factory=dict)  # what only expires, and when

    @property
    def key(self) -> str:
        return receipt_key(self.market, self.request_id)

    @property
    def complete(self) -> bool:
        """Only when the scan after found nothing of the viewer and could look at everything."""
        return not any(self.remaining.values()) and not any(self.unscanned.values())

    @property
    def found(self) -> bool:
        """Whether any store held anything of the viewer (False: a viewer never seen, or erased before)."""
        return any(self.removed.values()) or any(self.remaining.values())

    def counts(self) -> dict[str, int]:
        return {store: len(where) for store, where in self.removed.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "market": self.market,
            "request_id": self.request_id,
            "subject_sha256": self.subject,
            "requested_at": self.requested_at.astimezone(UTC).isoformat(),
            "removed": self.removed,
            "counts": self.counts(),
            "remaining": self.remaining,
            "unscanned": self.unscanned,
            "complete": self.complete,
            "found": self.found,
            "not_erasable": self.not_erasable,
        }


def receipt_key(market: str, request_id: str) -> str:
    return f"{RECEIPTS_PREFIX}/{market}/{request_id}.json"


def request_id(market: str, viewer_key: str, at: datetime) -> str:
    """Stable per (market, viewer, second): a retried request writes the same receipt."""
    stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{subject_digest(f'{market}:{viewer_key}')[:12]}"


def summary(receipt: Mapping[str, Any]) -> str:
    """One line: what was erased per store, or that nothing was found (a viewer never seen, a
    mistyped id, or one erased before), and where the receipt is."""
    key = receipt_key(receipt["market"], receipt["request_id"])
    if not receipt.get("found", True):
        return (
            f"no data found for this viewer in {receipt['market']}: nothing erased (check the id if you expected "
            f"some); receipt {key}"
        )
    counts = ", ".join(f"{store} {n}" for store, n in receipt["counts"].items())
    left = {store: n for store, n in receipt["remaining"].items() if n}
    unseen = {store: n for store, n in receipt.get("unscanned", {}).items() if n}
    state = (
        "complete"
        if receipt["complete"]
        else (f"INCOMPLETE (still found, by store: {left}" + (f"; not looked at: {unseen}" if unseen else "") + ")")
    )
    return f"erased in {receipt['market']}: {counts}; {state}; receipt {key}"


# ---- asynchronous requests: a receipt id answered at once, the erasure run after -----------------
QUEUED, RUNNING, FAILED = "queued", "running", "failed"
COMPLETE, NOTHING_FOUND, INCOMPLETE = "complete", "nothing found", "incomplete"
RECEIPT_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{12}$")  # request_id's shape


def check_receipt_id(receipt_id: str) -> str:
    """A receipt id as :func:`request_id` makes it (anything else names no receipt: a 400, not a lookup)."""
    if not RECEIPT_ID.fullmatch(receipt_id):
        raise ErasureError("receipt: not a receipt id (<yyyymmdd>T<hhmmss>Z-<12 hex>, as POST /erasures answered)")
    return receipt_id


def status_key(market: str, request_id: str) -> str:
    """Where a request's progress is kept until its receipt is written (no viewer in it either)."""
    return f"{RECEIPTS_PREFIX}/{market}/{request_id}.status.json"


def receipt_status(receipt: Mapping[str, Any]) -> str:
    """What a written receipt says of its request: complete, nothing found, or incomplete."""
    if not receipt.get("complete", False):
        return INCOMPLETE
    return COMPLETE if receipt.get("found", True) else NOTHING_FOUND
