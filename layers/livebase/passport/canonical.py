"""Canonical JSON: one byte string per value, so a hash or signature means the same everywhere.

Keys sorted, no insignificant whitespace, UTF-8 (not ``\\u`` escapes), no NaN or infinity. The
value must already be JSON-shaped (pydantic ``model_dump(mode="json")``): timestamps as strings.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON bytes (see the module docstring)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
