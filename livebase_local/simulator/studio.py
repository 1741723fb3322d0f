"""Simulated studio devices: seeded telemetry with injected faults, published to the studio stream.

What the market's rooms would send through AWS IoT Core (``livebase.studio.telemetry``); moto
accepts a topic rule but never runs its actions, so locally the records go straight to the
stream the rule feeds (the same JSON, partition key the device id, as the rule sets it).

Each room has two cameras, an encoder, a light and a wireless microphone, sampled every
:data:`INTERVAL_S` seconds. Per device the day holds, seeded:

* gradual faults: a camera or light overheating (temperature accelerating to past 85 C, frames
  dropping once it is hot), an encoder's uplink failing (bitrate decaying to under 1000 kbps), a
  microphone's battery draining fast; 2 to 10 minutes of degradation, then the failure (the
  device reports ``fault`` for a minute or two), then it is replaced (healthy again);
* sudden failures: ``fault`` with no precursor (a cable pulled), which nothing can predict;
* benign disturbances that are not failures: single-sample spikes (a burst of dropped frames, a
  bitrate dip, a temperature glitch), a light or camera warming to a plateau of 70-79 C (time constant 4-10 minutes), a
  bitrate dip of half a minute from network congestion.

Same seed, same samples and the same ground truth (:class:`Failure`), for the benchmark and tests.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from livebase.studio.telemetry import DeviceKind, Telemetry

INTERVAL_S = 5.0
START = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
DEVICES = (("cam-1", DeviceKind.CAMERA), ("cam-2", DeviceKind.CAMERA), ("enc-1", DeviceKind.ENCODER),
           ("light-1", DeviceKind.LIGHT), ("mic-1", DeviceKind.MICROPHONE))  # fmt: skip
_BASE_TEMP = {DeviceKind.CAMERA: 42.0, DeviceKind.ENCODER: 50.0, DeviceKind.LIGHT: 55.0, DeviceKind.MICROPHONE: 31.0}
_BITRATE = {DeviceKind.CAMERA: 8000.0, DeviceKind.ENCODER: 6000.0}
SPIKE_PROBABILITY = 0.004  # per sample and device


@dataclass(frozen=True)
class Failure:
    room_id: str
    device_id: str
    ts: datetime  # the first sample reporting the fault
    gradual: bool
    degradation_from: datetime | None  # when the degradation began (gradual faults)


@dataclass
class StudioDay:
    samples: list[Telemetry]  # every device's samples, in time order
    failures: list[Failure]

    def by_device(self) -> dict[tuple[str, str], list[Telemetry]]:
        devices: dict[tuple[str, str], list[Telemetry]] = {}
        for sample in self.samples:
            devices.setdefault((sample.room_id, sample.device_id), []).append(sample)
        return devices


@dataclass
class _Episode:
    kind: str  # "gradual" | "sudden" | "warmup" | "dip"
    start: int  # sample index
    length: int  # samples of degradation / disturbance (0 for sudden)
    shape: float = 1.0
    level: float = 0.0  # warm-up plateau / dip floor
    dead: int = 0  # samples the failed device reports its fault
    fail_at: int = field(init=False, default=-1)

    def __post_init__(self) -> None:
        if self.kind in ("gradual", "sudden"):
            self.fail_at = self.start + self.length

    @property
    def end(self) -> int:
        return self.start + self.length + self.dead


def _episodes(rng: random.Random, kind: DeviceKind, samples: int) -> list[_Episode]:
    """Up to three non-overlapping episodes of a device, each with its own time slot."""
    slots = 3
    span = samples // slots
    chosen: list[_Episode] = []
    for slot in range(slots):
        roll = rng.random()
        offset = slot * span + rng.randrange(0, max(1, span // 4))
        if roll < 0.30:
            length = rng.randrange(int(120 / INTERVAL_S), int(600 / INTERVAL_S))
            episode = _Episode("gradual", offset, length, shape=rng.uniform(1.0, 2.2), dead=rng.randrange(12, 25))
        elif roll < 0.42:
            episode = _Episode("sudden", offset, 0, dead=rng.randrange(12, 25))
        elif roll < 0.70 and kind in (DeviceKind.CAMERA, DeviceKind.LIGHT):
            length = rng.randrange(int(600 / INTERVAL_S), int(1200 / INTERVAL_S))
            episode = _Episode("warmup", offset, length, shape=rng.uniform(240.0, 600.0), level=rng.uniform(70.0, 79.0))
        elif roll < 0.70 and kind in _BITRATE:
            episode = _Episode("dip", offset, rng.randrange(4, 12), level=rng.uniform(0.3, 0.5))
        else:
            continue
        if episode.end < (slot + 1) * span:
            chosen.append(episode)
    return chosen


def _sample(
    rng: random.Random, market: str, room: str, device: str, kind: DeviceKind, i: int, episodes: Sequence[_Episode]
) -> Telemetry:
    temp = _BASE_TEMP[kind] + rng.gauss(0, 0.4)
    drops = 1 if rng.random() < 0.2 else 0
    bitrate = _BITRATE[kind] + rng.gauss(0, 250) if kind in _BITRATE else None
    battery = max(0.0, 95.0 - 0.0035 * INTERVAL_S * i) if kind == DeviceKind.MICROPHONE else None
    fault = False
    for e in episodes:
        if not e.start <= i < e.end:
            continue
        if e.kind in ("gradual", "sudden") and i >= e.fail_at:
            fault = True
            continue
        progress = (i - e.start) / max(1, e.length)
        if e.kind == "gradual":
            ramp = progress**e.shape
            if kind in (DeviceKind.CAMERA, DeviceKind.LIGHT):
                temp += (86.0 - _BASE_TEMP[kind]) * ramp
                if kind == DeviceKind.CAMERA and temp > 70:
                    drops += int(rng.expovariate(1 / ((temp - 70) * 1.2)))
            elif kind == DeviceKind.ENCODER and bitrate is not None:
                bitrate *= 1.0 - 0.9 * ramp
                drops += int(rng.expovariate(1 / (1 + 25 * ramp)))
            elif battery is not None:
                battery = max(0.0, (1 - ramp) * battery)
        elif e.kind == "warmup":
            temp += (e.level - _BASE_TEMP[kind]) * (1 - math.exp(-(i - e.start) * INTERVAL_S / e.shape))
        elif e.kind == "dip" and bitrate is not None:
            bitrate *= e.level
    if rng.random() < SPIKE_PROBABILITY:  # one odd sample: not a failure
        spike = rng.choice(["drops", "bitrate", "temp"])
        if spike == "drops" and kind in _BITRATE:
            drops += rng.randrange(15, 60)
        elif spike == "bitrate" and bitrate is not None:
            bitrate = rng.uniform(600, 2400)
        elif spike == "temp":
            temp += rng.uniform(25, 40)
    return Telemetry(
        market=market, room_id=room, device_id=device, kind=kind, ts=START + timedelta(seconds=INTERVAL_S * i),
        frame_drops=drops if kind in _BITRATE else None, temperature_c=round(min(temp, 149.0), 2),
        bitrate_kbps=None if bitrate is None else round(max(bitrate, 0.0), 1),
        battery_pct=None if battery is None else round(battery, 2), fault=fault,
    )  # fmt: skip


def studio_day(seed: int, market: str = "sea", *, rooms: int = 2, minutes: int = 60) -> StudioDay:
    """``rooms`` rooms of :data:`DEVICES` for ``minutes`` minutes, faults injected (see the module docstring)."""
    rng = random.Random(seed)
    count = int(minutes * 60 / INTERVAL_S)
    samples: list[Telemetry] = []
    failures: list[Failure] = []
    for r in range(rooms):
        room = f"{market}-studio-{r + 1}"
        for device, kind in DEVICES:
            episodes = _episodes(rng, kind, count)
            for e in episodes:
                if e.fail_at >= 0:
                    at = START + timedelta(seconds=INTERVAL_S * e.fail_at)
                    began = START + timedelta(seconds=INTERVAL_S * e.start) if e.kind == "gradual" else None
                    failures.append(Failure(room, device, at, e.kind == "gradual", began))
            samples += [_sample(rng, market, room, device, kind, i, episodes) for i in range(count)]
    samples.sort(key=lambda s: (s.ts, s.room_id, s.device_id))
    return StudioDay(samples, sorted(failures, key=lambda f: f.ts))


def degrading_camera(
    market: str, room: str, *, start: datetime, samples: int = 40, fail_after: int = 36
) -> list[Telemetry]:
    """One camera overheating steadily towards failure (the demo's and the tests' crafted series)."""
    series = []
    for i in range(samples):
        temp = 45.0 + max(0, i - 4) * (41.0 / (fail_after - 4))
        sample = Telemetry(
            market=market, room_id=room, device_id="cam-1", kind=DeviceKind.CAMERA,
            ts=start + timedelta(seconds=INTERVAL_S * i), frame_drops=max(0, int((temp - 70) * 1.5)),
            temperature_c=round(temp, 2), bitrate_kbps=8000.0, fault=i >= fail_after,
        )  # fmt: skip
        series.append(sample)
    return series


def records(samples: Iterable[Telemetry]) -> list[dict[str, Any]]:
    """``put_records`` entries, as the IoT rule writes them: the JSON, partitioned by device."""
    return [{"Data": s.model_dump_json(exclude_none=True).encode(), "PartitionKey": s.device_id} for s in samples]


def publish(kinesis: Any, stream_name: str, samples: Sequence[Telemetry]) -> int:
    """Put the samples on the studio stream in order (500 per call); returns how many were put."""
    entries = records(samples)
    for start in range(0, len(entries), 500):
        response = kinesis.put_records(StreamName=stream_name, Records=entries[start : start + 500])
        if response.get("FailedRecordCount"):
            raise RuntimeError(f"{response['FailedRecordCount']} telemetry records refused by {stream_name}")
    return len(entries)
