"""One device's incident, from first warning to failover to recovery, and the bus signals it sends.

A device is ``ok``, ``warned`` (a failure is predicted: ``device.warning`` once, to ops) or
``failed_over`` (failed or confidently predicted: ``device.failover`` once, which switches the
room to its backup input and tells ops). It is ``ok`` again after :data:`RECOVERY_SAMPLES`
healthy samples in a row (cooled down, reconnected, replaced). The incident id is made of the
device and the time of the sample that opened it, so a redelivered batch recomputes the same id
and the failover function (idempotent on it) switches once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from livebase.signals.studio import DeviceFailover, DeviceSignal, DeviceWarning
from livebase.studio.predictor import Prediction, Status
from livebase.studio.telemetry import Telemetry

RECOVERY_SAMPLES = 24  # 2 minutes healthy at the devices' 5 s interval: no warning flapping
OK, WARNED, FAILED_OVER = "ok", "warned", "failed_over"


@dataclass(frozen=True)
class DeviceState:
    status: str = OK
    incident_id: str = ""
    opened_at: str = ""  # ISO time of the sample that opened the incident (first warning or failover)
    healthy: int = 0  # healthy samples in a row since the last unhealthy one


def _signal(
    signal_type: type[DeviceSignal], sample: Telemetry, state: DeviceState, prediction: Prediction
) -> DeviceSignal:
    opened = datetime.fromisoformat(state.opened_at)
    eta = prediction.seconds_to_failure
    return signal_type(
        market=sample.market, room_id=sample.room_id, device_id=sample.device_id, kind=str(sample.kind),
        incident_id=state.incident_id, ts=sample.ts, reason=prediction.reason,
        predicted_seconds_to_failure=None if eta is None else round(eta, 1), opened_at=opened,
        seconds_since_opened=(sample.ts - opened).total_seconds(), evidence=prediction.evidence(),
    )  # fmt: skip


def _opened(state: DeviceState, sample: Telemetry) -> DeviceState:
    if state.incident_id:
        return replace(state, healthy=0)
    return DeviceState(WARNED, f"{sample.device_id}@{sample.ts:%Y%m%dT%H%M%SZ}", sample.ts.isoformat(), 0)


def advance(state: DeviceState, sample: Telemetry, prediction: Prediction) -> tuple[DeviceState, list[DeviceSignal]]:
    """The device's next state after ``sample`` (judged as ``prediction``) and what to put on the bus."""
    if prediction.status == Status.OK:
        if state.status == OK:
            return state, []
        if state.healthy + 1 >= RECOVERY_SAMPLES:
            return DeviceState(), []
        return replace(state, healthy=state.healthy + 1), []
    if state.status == FAILED_OVER:
        return replace(state, healthy=0), []
    opened = _opened(state, sample)
    if prediction.status == Status.FAILOVER:
        switched = replace(opened, status=FAILED_OVER)
        return switched, [_signal(DeviceFailover, sample, switched, prediction)]
    if state.status == WARNED:
        return opened, []
    return opened, [_signal(DeviceWarning, sample, opened, prediction)]
