"""One telemetry batch applied to the devices it names: windows merged, each new sample judged,
incidents advanced, their signals put on the market bus, the devices written back.

Redelivery-safe: samples merge by timestamp (a sample already in a window is not judged again)
and incident ids come from the data, so a retried batch sends the same ``device.failover``,
which the failover function takes once per incident. Signals go out before the devices are
written: a failed write retries the batch and repeats a signal (taken once downstream) rather
than losing one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from livebase.signals import bus_entry
from livebase.signals.studio import DeviceFailover, DeviceSignal
from livebase.stores.studio_devices import WINDOW_SAMPLES, DeviceRecord, StudioDeviceStore, device_key
from livebase.studio.incidents import advance
from livebase.studio.predictor import PredictorSettings, predict
from livebase.studio.telemetry import Telemetry


@dataclass
class WatchOutcome:
    samples: int = 0  # new samples judged (redelivered ones excluded)
    devices: int = 0
    signals: list[DeviceSignal] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        return len(self.signals) - self.failovers

    @property
    def failovers(self) -> int:
        return sum(isinstance(s, DeviceFailover) for s in self.signals)


@dataclass(frozen=True)
class DeviceWatch:
    store: StudioDeviceStore
    put: Callable[[Sequence[dict[str, Any]]], None]  # PutEvents entries to the market's bus
    bus_name: str
    settings: PredictorSettings = field(default_factory=PredictorSettings)

    def apply(self, samples: Sequence[Telemetry]) -> WatchOutcome:
        outcome = WatchOutcome()
        grouped: dict[str, list[Telemetry]] = {}
        for sample in samples:
            grouped.setdefault(device_key(sample.room_id, sample.device_id), []).append(sample)
        records = self.store.read(list(grouped))
        changed: list[DeviceRecord] = []
        for key, fresh in grouped.items():
            record = records[key]
            known = {s.ts: s for s in record.window}
            history = sorted({**{s.ts: s for s in fresh}, **known}.values(), key=lambda s: s.ts)
            new = record.merge(fresh)  # the stored window keeps the last WINDOW_SAMPLES only
            for sample in new:
                upto = [s for s in history if s.ts <= sample.ts][-WINDOW_SAMPLES:]  # as if sent one by one
                record.state, signals = advance(record.state, sample, predict(upto, self.settings))
                outcome.signals += signals
            outcome.samples += len(new)
            if new:
                changed.append(record)
        if outcome.signals:
            self.put([bus_entry(s, self.bus_name) for s in outcome.signals])
        for record in changed:
            self.store.write(record)
        outcome.devices = len(changed)
        return outcome
