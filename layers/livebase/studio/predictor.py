"""Failure prediction for one studio device, from its recent telemetry window.

Each watched metric has a failure limit and a direction (temperature and frame drops rise to
theirs, bitrate and battery fall to theirs). Per metric, over the last ``trend_samples`` samples:

* level: the median of the last ``level_samples`` (one spike, a single dropped-frame burst or a
  bitrate dip from network jitter, does not move it);
* trend: the Theil-Sen slope (median of all pairwise slopes: robust to the same spikes) and its
  agreement, the share of pairwise slopes pointing the failing way (about 0.5 on noise);
* time to failure: how long the level takes to reach the limit at that slope;
* sustained and not settling: the slope of each half of the window points the failing way (a
  step, a dip or a burst, is no trend), and a decelerating one, read as an exponential approach
  to a plateau (a warm-up), must not stop short of the limit.

A device has **failed** when it reports a fault or a level is past its limit; a failure is
**predicted** when a metric with agreement >= ``agreement`` and a material change over the
window reaches its limit within ``horizon_s`` (a warning) or within ``confident_s`` with
agreement >= ``confident_agreement`` (confident: the caller fails over before the failure).

:func:`threshold_alarm` is the plain rule it is measured against (``benchmarks/studio_failover.py``):
two samples in a row past a fixed warning level (a CloudWatch-style alarm of 2 datapoints). The
defaults of :class:`PredictorSettings` were chosen on the benchmark's tuning seeds only (see there).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from livebase.studio.telemetry import Telemetry


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"  # a failure is predicted within the horizon
    FAILOVER = "failover"  # failed, or a confident prediction: switch to the backup now


@dataclass(frozen=True)
class Metric:
    name: str
    rising: bool  # True: fails when the value rises to the limit (temperature, frame drops)
    limit: float  # the failure level
    min_change: float  # the smallest change over the window that counts as a trend, not noise
    warn_level: float  # the plain threshold rule's level (the baseline)

    def value(self, sample: Telemetry) -> float | None:
        raw = getattr(sample, self.name)
        return None if raw is None else float(raw)

    def past(self, value: float, level: float) -> bool:
        return value >= level if self.rising else value <= level


METRICS = (
    Metric("temperature_c", rising=True, limit=85.0, min_change=2.0, warn_level=75.0),
    Metric("frame_drops", rising=True, limit=30.0, min_change=4.0, warn_level=12.0),
    Metric("bitrate_kbps", rising=False, limit=1000.0, min_change=400.0, warn_level=2500.0),
    Metric("battery_pct", rising=False, limit=3.0, min_change=1.5, warn_level=15.0),
)


@dataclass(frozen=True)
class PredictorSettings:
    trend_samples: int = 12  # one minute at the devices' 5 s interval
    min_samples: int = 6
    level_samples: int = 3
    agreement: float = 0.75
    confident_agreement: float = 0.85
    horizon_s: float = 240.0
    confident_s: float = 60.0
    metrics: tuple[Metric, ...] = METRICS


@dataclass(frozen=True)
class Prediction:
    status: Status
    reason: str = ""  # "fault" | "failure" | "predicted" | ""
    metric: str = ""
    level: float | None = None
    slope_per_s: float | None = None
    agreement: float | None = None
    seconds_to_failure: float | None = None  # 0 when failed

    def evidence(self) -> dict[str, float | str | None]:
        """Rounded numbers for the bus event and the ops message (no identifiers, no personal data)."""

        def rounded(x: float | None, digits: int) -> float | None:
            return None if x is None else round(x, digits)

        return {
            "metric": self.metric,
            "level": rounded(self.level, 2),
            "slope_per_s": rounded(self.slope_per_s, 4),
            "agreement": rounded(self.agreement, 3),
            "seconds_to_failure": rounded(self.seconds_to_failure, 1),
        }


OK = Prediction(Status.OK)


def theil_sen(times: Sequence[float], values: Sequence[float]) -> tuple[float, float]:
    """(median pairwise slope, share of pairwise slopes > 0 with ties as half)."""
    slopes: list[float] = []
    up = 0.0
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            dt = times[j] - times[i]
            if dt <= 0:
                continue
            slope = (values[j] - values[i]) / dt
            slopes.append(slope)
            up += 1.0 if slope > 0 else 0.5 if slope == 0 else 0.0
    if not slopes:
        return 0.0, 0.5
    return statistics.median(slopes), up / len(slopes)


def _series(window: Sequence[Telemetry], metric: Metric) -> tuple[list[float], list[float]]:
    origin = window[0].ts
    times, values = [], []
    for sample in window:
        value = metric.value(sample)
        if value is not None:
            times.append((sample.ts - origin).total_seconds())
            values.append(value)
    return times, values


def _assess(window: Sequence[Telemetry], metric: Metric, settings: PredictorSettings) -> Prediction:
    times, values = _series(window[-settings.trend_samples :], metric)
    if not values:
        return OK
    level = statistics.median(values[-settings.level_samples :])
    if metric.past(level, metric.limit):
        return Prediction(Status.FAILOVER, "failure", metric.name, level, seconds_to_failure=0.0)
    if len(values) < settings.min_samples:
        return OK
    slope, up = theil_sen(times, values)
    sign = 1.0 if metric.rising else -1.0
    failing_slope, agreement = sign * slope, up if metric.rising else 1.0 - up
    if failing_slope <= 0 or failing_slope * (times[-1] - times[0]) < metric.min_change:
        return OK
    half = len(values) // 2
    early = sign * theil_sen(times[:half], values[:half])[0]
    late = sign * theil_sen(times[half:], values[half:])[0]
    if early <= 0 or late <= 0:  # not sustained: a step (a dip, a burst) is no trend
        return OK
    if late < early and _settles_before(metric, level, early, late, (times[-1] - times[0]) / 2):
        return OK
    eta = abs(metric.limit - level) / failing_slope
    if eta <= settings.confident_s and agreement >= settings.confident_agreement:
        return Prediction(Status.FAILOVER, "predicted", metric.name, level, slope, agreement, eta)
    if eta <= settings.horizon_s and agreement >= settings.agreement:
        return Prediction(Status.WARNING, "predicted", metric.name, level, slope, agreement, eta)
    return OK


def _settles_before(metric: Metric, level: float, early: float, late: float, half_s: float) -> bool:
    """A decelerating trend read as an exponential approach (a warm-up to its plateau): the slope
    shrinks by ``late / early`` every ``half_s``, so what is left to come is
    ``late * half_s / ln(early / late)``; True when that stops short of the limit."""
    remaining = late * half_s / math.log(early / late)
    return remaining < abs(metric.limit - level)


_RANK = {Status.OK: 0, Status.WARNING: 1, Status.FAILOVER: 2}


def predict(window: Sequence[Telemetry], settings: PredictorSettings = PredictorSettings()) -> Prediction:
    """The device's state from its window (oldest first): the most urgent metric decides."""
    if not window:
        return OK
    if window[-1].fault:
        return Prediction(Status.FAILOVER, "fault", "fault", seconds_to_failure=0.0)
    worst = OK
    for metric in settings.metrics:
        found = _assess(window, metric, settings)
        eta = math.inf if found.seconds_to_failure is None else found.seconds_to_failure
        worst_eta = math.inf if worst.seconds_to_failure is None else worst.seconds_to_failure
        if (_RANK[found.status], -eta) > (_RANK[worst.status], -worst_eta):
            worst = found
    return worst


def threshold_alarm(window: Sequence[Telemetry], settings: PredictorSettings = PredictorSettings()) -> Prediction:
    """The plain rule, as an alarm with two datapoints: the last two samples past a metric's fixed
    warning level (a warning) or its failure limit (a failover), or a fault reported."""
    if not window:
        return OK
    if window[-1].fault:
        return Prediction(Status.FAILOVER, "fault", "fault", seconds_to_failure=0.0)
    last_two = window[-2:]
    for status, reason, level_of in ((Status.FAILOVER, "failure", _limit), (Status.WARNING, "threshold", _warn)):
        for metric in settings.metrics:
            values = [metric.value(s) for s in last_two]
            if len(values) == 2 and all(v is not None and metric.past(v, level_of(metric)) for v in values):
                return Prediction(
                    status, reason, metric.name, values[-1], seconds_to_failure=0.0 if reason == "failure" else None
                )
    return OK


def _limit(metric: Metric) -> float:
    return metric.limit


def _warn(metric: Metric) -> float:
    return metric.warn_level


Detector = Callable[[Sequence[Telemetry]], Prediction]
