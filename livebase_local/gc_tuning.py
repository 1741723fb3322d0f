"""Short garbage collections for the long-running local processes (moto, the event-source runner).

A full (generation 2) collection walks every tracked object while every thread waits. moto keeps
each stored record and item as Python objects; the runner holds a handler instance per shard and
function, each with its own boto3 session and models (about 800,000 objects in all). Measured
during a 1,000 events/s stream: full collections of 0.1-0.9 s, which every in-flight record
waited out. Whatever survives a full collection is long-lived (stored data, loaded modules), so
it is frozen out of later scans with ``gc.freeze``: the next full collection walks only what
arrived since. Frozen objects are still freed by reference counting; only a reference cycle
among them would stay, which these processes' stored data does not form.
"""

from __future__ import annotations

import gc

_installed = False


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def keep_collections_short() -> None:
    """Freeze what exists now and the survivors of every later full collection (idempotent)."""
    global _installed
    if not _installed:
        gc.callbacks.append(_freeze_survivors)
        _installed = True
    gc.freeze()
