"""Pseudonyms of simulated viewers: what the app would get from the market's KMS, offline.

A simulated day must come out byte for byte the same from the same seed and must run without
any AWS, so it cannot call ``GenerateMac``. Its viewers are made up, so it keys the same HMAC
with a key drawn from the run's seed (no secret in the code: a different seed, other ids).
Real viewer ids go through :class:`livebase.privacy.pseudonyms.KmsPseudonymiser`.
"""

from __future__ import annotations

import hashlib
import hmac
import random

from livebase.privacy.pseudonyms import Pseudonymise, pseudonym_from_mac


def simulated_pseudonyms(seed: int | str, market_id: str) -> Pseudonymise:
    """The keyed hash of simulated ids for one run (seed) and market."""
    key = random.Random(f"pseudonym-key:{seed}:{market_id}").randbytes(32)

    def pseudonymise(raw_id: str) -> str:
        return pseudonym_from_mac(hmac.new(key, raw_id.encode("utf-8"), hashlib.sha256).digest())

    return pseudonymise
