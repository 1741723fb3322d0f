"""Room failovers, recorded instead of sent: moto 5.2.5 runs no IoT data-plane delivery a test
could read back (``iot-data`` ``Publish`` is accepted and dropped) and has no MediaLive schedules
(``BatchUpdateSchedule`` answers 404).

The failover handler's switch (``livebase.studio.failover.RoomSwitch``) builds the exact calls it
would make; locally :class:`RecordedSwitches` takes its place in the handler module
(``livebase_local.runner.bus_targets``) and writes them, one object per failover, to
``failovers/<market>/<room>/<time_ns>-<id>.json`` in the market's data lake bucket
(:mod:`livebase_local.runner.recordings`): a second switch of the same incident would show as a
second object.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from livebase.markets.resources import MarketResources
from livebase.studio.failover import Failover, RoomSwitch, SwitchCall
from livebase_local.runner.recordings import Recorder, recorded

FAILOVERS_PREFIX = "failovers"


class RecordedSwitches(Recorder[RoomSwitch]):
    """The handler's ``switch``: the market's switch builds the calls, never makes them here."""

    PREFIX = FAILOVERS_PREFIX

    @property
    def switch(self) -> RoomSwitch:
        return self.inner

    def calls(self, failover: Failover) -> list[SwitchCall]:
        return self.switch.calls(failover)

    def send(self, failover: Failover) -> list[SwitchCall]:
        calls = self.calls(failover)
        self.record(failover.room_id, {
            "incident_id": failover.incident_id,
            "device_id": failover.device_id,
            "kind": str(failover.kind),
            "reason": failover.reason,
            "predicted_seconds_to_failure": failover.predicted_seconds_to_failure,
            "event_id": failover.event_id,
            "calls": [asdict(c) for c in calls],
        })  # fmt: skip
        return calls


def recorded_switches(resources: MarketResources, s3: Any | None = None) -> list[dict[str, Any]]:
    """Every failover recorded for the market, oldest first, each with its ``room``."""
    return recorded(resources, FAILOVERS_PREFIX, s3)
