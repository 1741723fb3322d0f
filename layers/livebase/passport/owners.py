"""Who may add events to a batch: its owner (the supplier whose event opened it, or whom the base
granted it before anyone did) and the suppliers the base granted it to.

A supplier's signature proves who sent an event, not that the batch is theirs: without owners,
any supplier could append to another's batch (shown on its public passport) or take an event id
its owner then could not use. The ledger (``livebase.stores.ledger``) checks the owner in the same
transaction as the append; a refusal goes to the intake queue's DLQ with :data:`FOREIGN_BATCH`.
"""

from __future__ import annotations

from dataclasses import dataclass

FOREIGN_BATCH = "batch belongs to another supplier (no grant for the signer)"


class NotOwner(ValueError):
    """The signer may not add events to the batch (the message is a fixed reason, no input in it)."""


@dataclass(frozen=True)
class Owner:
    supplier_id: str
    source: str  # "first_event" or "grant"
    since: str  # ISO time
