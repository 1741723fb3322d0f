"""Passes over a simulated day after its rooms are generated: each adds or amends events of its own kind.

A pass is ``(market, seed, options, events) -> None`` over the day's ``(ts, order, partition key,
payload)`` rows (before they are sorted by time); it draws from its own seeded stream
(``seeded_random(seed, market.id, "<pass>")``) so adding one never changes another's draws.
Capabilities that need the simulated day to show something (consent from the player, an order's
destination, injected abuse) register their pass in ``DAY_PASSES``, in the order they run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from livebase_local.simulator.abuse import inject_abuse
from livebase_local.simulator.consent import player_consent
from livebase_local.simulator.destinations import order_destinations

if TYPE_CHECKING:
    from livebase.markets.config import Market
    from livebase_local.simulator.model import SimOptions

DayRows = list[tuple[float, int, str, dict[str, Any]]]
DayPass = Callable[["Market", int, "SimOptions", DayRows], None]

DAY_PASSES: tuple[DayPass, ...] = (order_destinations, player_consent, inject_abuse)  # abuse last: bots give no consent
