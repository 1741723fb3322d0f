"""What a container saw lately, bounded: state per key (least recently seen dropped past a cap) and sliding
windows over event times.

The per-container trackers (``livebase.moderation.flooding``, ``livebase.risk.orders``) keep their state in
memory with the same eviction and the same window rule; one copy here, so they cannot drift apart. Windows run
on the events' own times, so the same records give the same answers in a Lambda container, a benchmark or a
test.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def trim(window: deque[float], now: float, span: float) -> None:
    """Drop the times of ``window`` (oldest first) that are ``span`` seconds or more before ``now``."""
    while window and window[0] <= now - span:
        window.popleft()


def entry(store: OrderedDict[K, V], key: K, make: Callable[[], V], cap: int) -> V:
    """``store[key]``, now the most recently seen; made by ``make`` when new, then the least recently seen key
    goes once ``store`` holds more than ``cap``."""
    found = store.get(key)
    if found is None:
        found = store[key] = make()
        if len(store) > cap:
            store.popitem(last=False)
    else:
        store.move_to_end(key)
    return found
