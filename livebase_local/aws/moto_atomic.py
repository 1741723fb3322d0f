"""DynamoDB writes in moto one at a time, as DynamoDB makes each conditional write atomic.

moto 5.2.5 checks a write's condition and then applies it in plain Python, with no lock, while
the threaded server runs requests side by side: two reservations of the last units could both
pass ``available >= :q`` and both subtract. The soak found it (a SKU with 60 units held 62 by
reservation records, four shard consumers ordering at once). Every write action of the DynamoDB
backend (items, batches, transactions) now holds one process-wide lock; reads do not.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_WRITES = ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items")


def patch_dynamodb_atomic_writes() -> None:
    """Install after the other DynamoDB patches (it wraps whatever they installed)."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()  # re-entrant: a transaction's items may go through put / update

    def serialised(write: Any) -> Any:
        @functools.wraps(write)
        def locked(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return write(self, *args, **kwargs)

        return locked

    for name in _WRITES:
        original = getattr(DynamoDBBackend, name, None)
        if original is not None:
            setattr(DynamoDBBackend, name, serialised(original))
