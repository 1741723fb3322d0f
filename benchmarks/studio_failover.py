"""Studio device failure prediction: the trend predictor against a plain threshold rule.

The simulator (``livebase_local.simulator.studio.studio_day``) injects device faults into a day
of studio telemetry (gradual degradations before a failure, sudden failures with no precursor,
and benign disturbances: spikes, warm-up plateaus, congestion dips). Both detectors read the same
samples, device by device, each with the window the telemetry handler keeps
(``livebase.stores.studio_devices.WINDOW_SAMPLES``), through the same incident machine
(``livebase.studio.incidents.advance``), so an alarm is an incident's first signal (a warning or
a failover) as ops would see it.

Scoring, per device: an alarm is a true one when the device fails within ``MATCH_S`` after it
(a failure at the alarm's own sample counts: a detection); a failure is predicted when an alarm
came in the ``MATCH_S`` before it, and its lead time is the failure's time minus the earliest such
alarm. Recall counts every failure (the sudden ones, which nothing can predict, included);
``recall_gradual`` only the gradual ones. ``switched_before_failure`` counts failures whose room
was switched (a ``device.failover``) before the device failed.

Seeds: the predictor's settings (``livebase.studio.predictor.PredictorSettings`` defaults) and the
threshold rule's levels were chosen looking only at TUNING_SEEDS (1-10); the figures printed last
are on HELD_OUT_SEEDS (101-130), which no tuning decision saw. ``--seeds tuning`` prints the
tuning seeds' figures instead.

    .venv/bin/python benchmarks/studio_failover.py [--seeds held-out|tuning] [--minutes 60] [--rooms 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from livebase.signals.studio import DEVICE_FAILOVER
from livebase.stores.studio_devices import WINDOW_SAMPLES
from livebase.studio.incidents import DeviceState, advance
from livebase.studio.predictor import Prediction, predict, threshold_alarm
from livebase.studio.telemetry import Telemetry
from livebase_local.simulator.studio import Failure, studio_day

TUNING_SEEDS = tuple(range(1, 11))
HELD_OUT_SEEDS = tuple(range(101, 131))
MATCH_S = 600.0

Detector = Callable[[Sequence[Telemetry]], Prediction]


@dataclass
class Alarm:
    room_id: str
    device_id: str
    ts: datetime
    failover: bool  # the incident opened with a failover (no warning first)


@dataclass
class Replay:
    alarms: list[Alarm] = field(default_factory=list)
    failovers: list[Alarm] = field(default_factory=list)


def replay(samples_by_device: dict[tuple[str, str], list[Telemetry]], detector: Detector) -> Replay:
    """Run one detector over every device's samples, sample by sample, as the handler would."""
    out = Replay()
    for (room, device), samples in samples_by_device.items():
        window: deque[Telemetry] = deque(maxlen=WINDOW_SAMPLES)
        state = DeviceState()
        for sample in samples:
            window.append(sample)
            opened_before = state.incident_id
            state, signals = advance(state, sample, detector(list(window)))
            for signal in signals:
                alarm = Alarm(room, device, sample.ts, signal.detail_type == DEVICE_FAILOVER)
                if not opened_before:
                    out.alarms.append(alarm)
                if signal.detail_type == DEVICE_FAILOVER:
                    out.failovers.append(alarm)
                opened_before = state.incident_id
    return out


@dataclass
class Score:
    alarms: int = 0
    true_alarms: int = 0
    failures: int = 0
    gradual: int = 0
    predicted: int = 0
    predicted_gradual: int = 0
    switched_before: int = 0
    leads: list[float] = field(default_factory=list)
    switch_leads: list[float] = field(default_factory=list)

    def add(self, run: Replay, failures: Sequence[Failure]) -> None:
        match = timedelta(seconds=MATCH_S)
        self.alarms += len(run.alarms)
        for alarm in run.alarms:
            device = (alarm.room_id, alarm.device_id)
            if any((f.room_id, f.device_id) == device and alarm.ts <= f.ts <= alarm.ts + match for f in failures):
                self.true_alarms += 1
        for f in failures:
            mine = [a for a in run.alarms if (a.room_id, a.device_id) == (f.room_id, f.device_id)]
            before = [a.ts for a in mine if f.ts - match <= a.ts < f.ts]
            self.failures += 1
            self.gradual += f.gradual
            if before:
                self.predicted += 1
                self.predicted_gradual += f.gradual
                self.leads.append((f.ts - min(before)).total_seconds())
            switched = [a.ts for a in run.failovers if (a.room_id, a.device_id) == (f.room_id, f.device_id)
                        and f.ts - match <= a.ts < f.ts]  # fmt: skip
            if switched:
                self.switched_before += 1
                self.switch_leads.append((f.ts - min(switched)).total_seconds())

    def lines(self, name: str) -> list[str]:
        precision = self.true_alarms / self.alarms if self.alarms else 0.0
        median = statistics.median(self.leads) if self.leads else 0.0
        return [
            f"{name}_alarms: {self.alarms}",
            f"{name}_precision: {precision:.3f}",
            f"{name}_recall: {self.predicted / self.failures if self.failures else 0.0:.3f}",
            f"{name}_recall_gradual: {self.predicted_gradual / self.gradual if self.gradual else 0.0:.3f}",
            f"{name}_median_lead_s: {median:.0f}",
            f"{name}_switched_before_failure: {self.switched_before}",
            f"{name}_median_switch_lead_s: {statistics.median(self.switch_leads) if self.switch_leads else 0.0:.0f}",
        ]


def evaluate(seeds: Sequence[int], *, minutes: int, rooms: int) -> tuple[Score, Score, int, int]:
    predictor, threshold = Score(), Score()
    samples = sudden = 0
    for seed in seeds:
        day = studio_day(seed, rooms=rooms, minutes=minutes)
        devices = day.by_device()
        samples += len(day.samples)
        sudden += sum(not f.gradual for f in day.failures)
        predictor.add(replay(devices, predict), day.failures)
        threshold.add(replay(devices, threshold_alarm), day.failures)
    return predictor, threshold, samples, sudden


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", choices=("held-out", "tuning"), default="held-out")
    parser.add_argument("--minutes", type=int, default=60, choices=range(10, 481), metavar="10..480")
    parser.add_argument("--rooms", type=int, default=2, choices=range(1, 21), metavar="1..20")
    args = parser.parse_args()
    seeds = HELD_OUT_SEEDS if args.seeds == "held-out" else TUNING_SEEDS
    started = time.perf_counter()
    predictor, threshold, samples, sudden = evaluate(seeds, minutes=args.minutes, rooms=args.rooms)
    seconds = time.perf_counter() - started
    print(f"seeds: {args.seeds} {seeds[0]}-{seeds[-1]} (tuning seeds {TUNING_SEEDS[0]}-{TUNING_SEEDS[-1]})")
    print(f"samples: {samples}")
    print(f"failures: {predictor.failures}")
    print(f"failures_sudden: {sudden}")
    for line in (*predictor.lines("predictor"), *threshold.lines("threshold")):
        print(line)
    p_lead = statistics.median(predictor.leads) if predictor.leads else 0.0
    t_lead = statistics.median(threshold.leads) if threshold.leads else 0.0
    print(f"median_lead_ratio_predictor_vs_threshold: {p_lead / t_lead if t_lead else 0.0:.2f}")
    print(f"replay_samples_per_s: {2 * samples / seconds:.0f}")


if __name__ == "__main__":
    main()
