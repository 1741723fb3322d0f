"""The studio failure predictor, the incident machine and the telemetry schema on crafted series."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from livebase.signals import bus_entry
from livebase.signals.studio import DEVICE_FAILOVER, DEVICE_WARNING
from livebase.studio.incidents import FAILED_OVER, RECOVERY_SAMPLES, DeviceState, advance
from livebase.studio.predictor import Status, predict, theil_sen, threshold_alarm
from livebase.studio.telemetry import DeviceKind, Telemetry, TelemetryRefused, parse_telemetry
from livebase_local.simulator.studio import degrading_camera, studio_day

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def series(temps: list[float], kind: DeviceKind = DeviceKind.CAMERA, **fields: object) -> list[Telemetry]:
    return [
        Telemetry(market="sea", room_id="room-1", device_id="cam-1", kind=kind, ts=T0 + timedelta(seconds=5 * i),
                  temperature_c=t, **fields)  # type: ignore[arg-type]
        for i, t in enumerate(temps)
    ]  # fmt: skip


def test_theil_sen_ignores_one_spike() -> None:
    times = [5.0 * i for i in range(12)]
    values = [40.0 + 0.1 * t for t in times]
    values[6] += 40  # one glitch
    slope, up = theil_sen(times, values)
    assert slope == pytest.approx(0.1) and up > 0.8


def test_flat_noise_and_a_single_spike_are_ok() -> None:
    temps = [42.0 + (0.3 if i % 2 else -0.3) for i in range(24)]
    assert predict(series(temps)).status == Status.OK
    temps[-1] = 80.0  # one hot reading: the level (median of 3) does not move
    assert predict(series(temps)).status == Status.OK
    assert threshold_alarm(series(temps)).status == Status.OK  # two datapoints needed there too


def test_a_steady_rise_is_warned_with_the_time_left_then_failed_over_when_close() -> None:
    rising = [60.0 + 0.1 * 5 * i for i in range(42)]  # 0.1 C/s: 85 C 250 s after the first sample
    assert predict(series(rising[:5])).status == Status.OK  # 215 s left, but too few samples for a trend
    warning = predict(series(rising[:12]))
    assert warning.status == Status.WARNING and warning.metric == "temperature_c"
    assert warning.seconds_to_failure == pytest.approx((85 - rising[10]) / 0.1, rel=0.05)
    close = predict(series(rising)[-24:])
    assert close.status == Status.FAILOVER and close.reason == "predicted"
    assert close.seconds_to_failure is not None and close.seconds_to_failure < 60


def test_a_warm_up_settling_below_the_limit_is_not_a_failure() -> None:
    temps = [42.0 + 35.0 * (1 - math.exp(-5 * i / 300)) for i in range(60)]  # to 77 C, time constant 5 min
    assert all(predict(series(temps[: i + 1])).status == Status.OK for i in range(len(temps)))


def test_a_bitrate_step_down_is_not_a_trend_but_a_decay_is() -> None:
    enc = {"kind": DeviceKind.ENCODER}
    step = [Telemetry(market="sea", room_id="r", device_id="enc-1", ts=T0 + timedelta(seconds=5 * i),
                      temperature_c=50, bitrate_kbps=6000 if i < 20 else 2200, **enc)  # type: ignore[arg-type]
            for i in range(24)]  # fmt: skip
    assert predict(step).status == Status.OK
    decay = [Telemetry(market="sea", room_id="r", device_id="enc-1", ts=T0 + timedelta(seconds=5 * i),
                       temperature_c=50, bitrate_kbps=6000 - 180 * i, **enc)  # type: ignore[arg-type]
             for i in range(24)]  # fmt: skip
    found = predict(decay)
    assert found.status != Status.OK and found.metric == "bitrate_kbps"


def test_a_fault_or_a_level_past_the_limit_fails_over_at_once() -> None:
    assert predict(series([42.0] * 5 + [42.0], fault=False)).status == Status.OK
    faulted = series([42.0] * 6)
    faulted[-1] = faulted[-1].model_copy(update={"fault": True})
    assert predict(faulted).reason == "fault"
    assert predict(series([86.0] * 3)).reason == "failure"


def test_incidents_warn_once_fail_over_once_and_recover_after_healthy_samples() -> None:
    camera = degrading_camera("sea", "room-1", start=T0)
    state, signals = DeviceState(), []
    for i, sample in enumerate(camera):
        state, sent = advance(state, sample, predict(camera[max(0, i - 23) : i + 1]))
        signals += sent
    assert [s.detail_type for s in signals] == [DEVICE_WARNING, DEVICE_FAILOVER]
    warning, failover = signals
    assert warning.incident_id == failover.incident_id == state.incident_id
    assert failover.reason == "predicted" and failover.ts < camera[36].ts  # before the fault
    assert failover.seconds_since_opened > 0 and state.status == FAILED_OVER
    json.loads(bus_entry(failover, "bus")["Detail"])  # serialisable, finite
    healthy = series([42.0] * RECOVERY_SAMPLES)
    for sample in healthy:
        state, sent = advance(state, sample, predict([sample]))
        assert not sent
    assert state == DeviceState()


@pytest.mark.parametrize(
    ("change", "field"),
    [({"kind": "toaster"}, "kind"), ({"temperature_c": float("nan")}, "temperature_c"),
     ({"ts": "2026-12-03T12:00:00"}, "ts"), ({"device_id": "call +44 20 7946 0958"}, "device_id"),
     ({"battery_pct": 140}, "battery_pct"), ({"owner": "a@b.example"}, "owner")],
)  # fmt: skip
def test_bad_telemetry_is_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    body = {"market": "sea", "room_id": "room-1", "device_id": "cam-1", "kind": "camera",
            "ts": "2026-12-03T12:00:00Z", "temperature_c": 40.0, **change}  # fmt: skip
    data = json.dumps(body).replace("NaN", "NaN").encode()
    with pytest.raises(TelemetryRefused) as refused:
        parse_telemetry(data, "sea")
    assert field in str(refused.value) and "a@b.example" not in str(refused.value)


def test_telemetry_of_another_market_is_refused() -> None:
    sample = series([40.0])[0]
    with pytest.raises(TelemetryRefused, match="market"):
        parse_telemetry(sample.model_dump_json().encode(), "eu")
    assert parse_telemetry(sample.model_dump_json().encode(), "sea") == sample


def test_the_simulated_day_is_seeded_and_has_both_kinds_of_failure() -> None:
    day, again = studio_day(7, minutes=30), studio_day(7, minutes=30)
    assert day.samples == again.samples and day.failures == again.failures
    assert {f.gradual for f in studio_day(3).failures} == {True, False}
    for failure in day.failures:
        [at] = [s for s in day.by_device()[(failure.room_id, failure.device_id)] if s.ts == failure.ts]
        assert at.fault
