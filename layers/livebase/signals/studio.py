"""``device.warning`` / ``device.failover`` (``livebase.studio``): a studio device's incident.

Put by the studio telemetry consumer (``livebase.studio.incidents`` / ``watch``); ``device.warning``
is taken by the ops topic, ``device.failover`` by the ops topic and the failover function
(``livebase.studio.failover``: the room on its backup input, once per ``incident_id``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from livebase.signals.contract import BusSignal, IsoTime

STUDIO_EVENT_SOURCE = "livebase.studio"
DEVICE_WARNING = "device.warning"
DEVICE_FAILOVER = "device.failover"

# Identifiers the failover command and the switch's schedule action name carry.
StudioId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:@-]{1,96}$")]
DeviceKindName = Literal["camera", "encoder", "light", "microphone"]  # livebase.studio.telemetry.DeviceKind


class PredictionEvidence(BaseModel):
    """The predictor's rounded numbers (``livebase.studio.predictor.Prediction.evidence``)."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    metric: str
    level: float | None
    slope_per_s: float | None
    agreement: float | None
    seconds_to_failure: float | None


class DeviceSignal(BusSignal):
    """One device's incident at the sample that raised the signal."""

    SOURCE = STUDIO_EVENT_SOURCE
    COMPACT = True

    market: StudioId
    room_id: StudioId
    device_id: StudioId
    kind: DeviceKindName
    incident_id: StudioId
    ts: IsoTime
    reason: StudioId  # "predicted" | "threshold" | "failure" | "fault"
    predicted_seconds_to_failure: float | None
    opened_at: IsoTime  # the sample that opened the incident
    seconds_since_opened: float
    evidence: PredictionEvidence

    def occurred(self) -> datetime:
        return self.ts


class DeviceWarning(DeviceSignal):
    DETAIL_TYPE = DEVICE_WARNING


class DeviceFailover(DeviceSignal):
    DETAIL_TYPE = DEVICE_FAILOVER
