"""Erasure decodes what it scans (issue 31): a stored body names a viewer however the store wrote it
(raw, JSON-escaped, base64, gzip, JSON lines, nested), rewritten documents keep everyone else, and a
receipt says complete only when the scan after finds nothing: otherwise incomplete, by store, never
the value."""

from __future__ import annotations

import base64
import gzip
import itertools
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from livebase.privacy.erasure import INCOMPLETE, mentions, receipt_status, summary
from livebase.stores.erasure import rewritten_without
from livebase.stores.erasure_queues import QueuePass
from tests.support.erasure import eu_erasure

GONE, KEPT = "v_00112233445566778899aabb", "v_ffeeddccbbaa998877665544"
REGION = "eu-central-1"


def escaped(viewer: str, every: int = 1) -> str:
    return "".join(f"\\u{ord(c):04x}" if i % every == 0 else c for i, c in enumerate(viewer))


ENCODINGS = {
    "raw": lambda v: json.dumps({"viewer_id": v}).encode(),
    "escaped": lambda v: ('{"viewer_id": "' + escaped(v) + '"}').encode(),
    "base64": lambda v: json.dumps({"data": base64.b64encode(json.dumps({"viewer_id": v}).encode()).decode()}).encode(),
    "gzip": lambda v: gzip.compress(('{"viewer_id": "' + escaped(v, 3) + '"}').encode()),
    "gzip_in_base64": lambda v: json.dumps({"Body": base64.b64encode(gzip.compress(v.encode())).decode()}).encode(),
    "json_lines": lambda v: b'{"a": 1}\n{"viewer": "' + escaped(v, 2).encode() + b'"}',
    "json_in_json": lambda v: json.dumps({"Message": json.dumps({"viewer_id": v}).replace("v_", "\\u0076_")}).encode(),
    "bare_base64": lambda v: base64.b64encode(json.dumps({"viewer_id": v}).encode()),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_a_body_names_the_viewer_however_it_is_written(encoding: str) -> None:
    body = ENCODINGS[encoding](GONE)
    assert GONE.encode() not in body or encoding == "raw"
    assert mentions(body, GONE) and not mentions(body, KEPT)


@settings(max_examples=100, deadline=None)
@given(layers=st.lists(st.sampled_from(["escape", "base64", "gzip", "json"]), min_size=1, max_size=3))
def test_any_stack_of_encodings_up_to_three_deep_is_looked_through(layers: list[str]) -> None:
    """Text layers (escapes, JSON) wrap text: after gzip, a store writes base64 first (as Kinesis and SQS do)."""
    assume(all(not (a == "gzip" and b in ("escape", "json")) for a, b in itertools.pairwise(layers)))
    body = GONE.encode()
    for layer in layers:
        if layer == "escape":
            body = ('{"v": "' + escaped(body.decode("latin-1")) + '"}').encode()
        elif layer == "base64":
            body = base64.b64encode(body)
        elif layer == "gzip":
            body = gzip.compress(body)
        else:
            body = json.dumps({"data": body.decode("latin-1")}).encode()
    assert mentions(body, GONE) and not mentions(body, KEPT)


def test_a_rewritten_document_keeps_everyone_else() -> None:
    listed = ('{"viewers": ["' + escaped(GONE) + '", "' + KEPT + '"]}').encode()
    assert json.loads(rewritten_without(listed, GONE) or b"") == {"viewers": [KEPT]}
    lines = ('{"viewer": "' + escaped(GONE) + '"}\n{"viewer": "' + KEPT + '"}').encode()
    assert rewritten_without(lines, GONE) == b'{"viewer": "' + KEPT.encode() + b'"}'
    zipped = rewritten_without(gzip.compress(listed), GONE) or b""
    assert json.loads(gzip.decompress(zipped)) == {"viewers": [KEPT]}
    assert rewritten_without(b"not json at all " + GONE.encode(), GONE) is None  # goes whole


class StuckQueues:
    """Dead-letter queues whose delete never takes (a permission left out, say)."""

    def sweep(self, viewer_key: str, *, delete: bool) -> QueuePass:
        return QueuePass(naming=["ingest-dlq/m1"] if viewer_key == GONE else [])


def test_a_receipt_is_incomplete_when_the_scan_after_still_finds_the_viewer(aws: Any) -> None:
    erasure = eu_erasure(REGION)
    erasure.queues = StuckQueues()  # type: ignore[assignment]
    receipt = erasure.erase(GONE, datetime(2026, 12, 2, tzinfo=UTC))
    assert not receipt.complete and receipt.remaining["dead_letter_queues"] == 1
    document = receipt.to_json()
    assert receipt_status(document) == INCOMPLETE and document["complete"] is False
    line = summary(document)
    assert "INCOMPLETE" in line and "'dead_letter_queues': 1" in line and GONE not in line
    assert not mentions(json.dumps(document).encode(), GONE)
