"""Pseudonymous viewer ids: a keyed hash whose key never leaves the market's KMS.

``v_`` + the first 32 hex digits of HMAC-SHA-256(raw id) under the market's HMAC KMS key
(``GenerateMac``): stable per market, not reversible, and not computable outside KMS, so a
pseudonym made in one market's region cannot be recomputed (or joined) anywhere else. Nothing
here holds a secret.

``GenerateMac`` is one call per id (KMS has no batch form), so :class:`KmsPseudonymiser` keeps
the pseudonyms it made (a bounded LRU: a live room sees the same viewers again and again) and
:meth:`KmsPseudonymiser.many` makes the missing ones with a bounded number of calls in flight:
a million distinct viewers is a million calls either way, spread over ``workers`` threads.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

PSEUDONYM = re.compile(r"^v_[0-9a-f]{16,64}$")
MAC_ALGORITHM = "HMAC_SHA_256"
CACHE_SIZE = 200_000  # pseudonyms kept per process (~30 MB)
WORKERS = 16  # GenerateMac calls in flight at once (KMS: thousands of cryptographic calls/s per account)

Pseudonymise = Callable[[str], str]


def pseudonym_from_mac(mac: bytes) -> str:
    """The pseudonym text of a MAC (``v_`` + 32 hex digits: 128 bits, collisions negligible)."""
    if len(mac) < 16:
        raise ValueError("mac: needs at least 16 bytes")
    return f"v_{mac.hex()[:32]}"


def is_pseudonym(value: str) -> bool:
    return bool(PSEUDONYM.match(value))


class KmsPseudonymiser:
    """Pseudonyms from the market's HMAC key (``key_id``: its id, ARN or alias) through ``client`` (KMS).

    Use a client of the market's own region: the key exists only there.
    """

    def __init__(self, client: Any, key_id: str, *, cache_size: int = CACHE_SIZE, workers: int = WORKERS) -> None:
        if not key_id:
            raise ValueError("key_id: empty (the market's pseudonym key; output PseudonymKeyId)")
        self.client = client
        self.key_id = key_id
        self.cache_size = cache_size
        self.workers = workers
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self.calls = 0  # GenerateMac calls made (what the cache saved shows against the ids asked)

    def __call__(self, raw_id: str) -> str:
        known = self._cached(raw_id)
        return known if known is not None else self._make(raw_id)

    def many(self, raw_ids: Iterable[str]) -> dict[str, str]:
        """Pseudonym per distinct raw id; the uncached ones made ``workers`` at a time."""
        found: dict[str, str] = {}
        missing: list[str] = []
        for raw in dict.fromkeys(raw_ids):
            known = self._cached(raw)
            if known is None:
                missing.append(raw)
            else:
                found[raw] = known
        if missing:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(missing))) as pool:
                found.update(zip(missing, pool.map(self._make, missing), strict=True))
        return found

    def _cached(self, raw_id: str) -> str | None:
        with self._lock:
            known = self._cache.get(raw_id)
            if known is not None:
                self._cache.move_to_end(raw_id)
            return known

    def _make(self, raw_id: str) -> str:
        if not raw_id:
            raise ValueError("raw viewer id: empty")
        reply = self.client.generate_mac(Message=raw_id.encode("utf-8"), KeyId=self.key_id, MacAlgorithm=MAC_ALGORITHM)
        pseudonym = pseudonym_from_mac(reply["Mac"])
        with self._lock:
            self.calls += 1
            self._cache[raw_id] = pseudonym
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return pseudonym
