"""A session's audience split between two variants by a keyed hash of the viewer's pseudonym.

Why a keyed hash: the same viewer sees the same variant every minute of the session (and on
rejoining) with no state, and nobody can choose their variant without the key (the experiment
id salts it; the room holds only pseudonymous ``v_<hex>`` ids). Deterministic, so the analysis
can recompute who saw what from the room metrics.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

ExperimentKind = Literal["none", "lineup_order", "host_style"]


@dataclass(frozen=True)
class Split:
    experiment_id: str
    kind: str
    variants: tuple[str, str]
    share_b: float  # fraction of viewers in the second variant
    rule: str = "sha256(experiment_id ':' viewer_id) as a fraction of 2^64 < share_b -> variant B"


def assign_variant(experiment_id: str, viewer_id: str, share_b: float = 0.5) -> int:
    """0 (variant A) or 1 (variant B) for a viewer, the same every time."""
    if not 0.0 < share_b < 1.0:
        raise ValueError(f"share_b must be between 0 and 1, got {share_b}")
    digest = hashlib.sha256(f"{experiment_id}:{viewer_id}".encode()).digest()
    return int(int.from_bytes(digest[:8], "big") / 2**64 < share_b)
