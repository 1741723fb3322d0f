"""Studio device telemetry (schema version 1): what cameras, encoders, lights and microphones
publish through AWS IoT Core to ``livebase/<market>/studio/<room>/telemetry``, which the topic
rule puts on the market's studio telemetry stream (``infra_cdk/components/studio.py``).

A stream of its own, not the live-event stream: these records are not live-room events (no
session, no viewer), so the live stream's admission (``livebase.live.admission``) stays one
decision for one kind of record, and a device storm never delays room metrics or orders.
Same rules as there: closed identifier alphabets (no contact data can hide in them), finite
numbers within physical bounds, a UTC time. A device reports only what it measures: a light has
no bitrate, a wired camera no battery, so those fields are optional.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, ValidationError

from livebase.batches.reasons import describe_error
from livebase.live.events import STRICT_RECORD, MarketId, NameId, UtcTimestamp

SCHEMA_VERSION = 1
MAX_RECORD_BYTES = 4096  # a telemetry sample is ~250 bytes; anything near this is not one


class DeviceKind(StrEnum):
    CAMERA = "camera"
    ENCODER = "encoder"
    LIGHT = "light"
    MICROPHONE = "microphone"


class Telemetry(BaseModel):
    """One sample from one device (every few seconds)."""

    model_config = STRICT_RECORD

    schema_version: Literal[1] = 1
    market: MarketId
    room_id: NameId
    device_id: NameId
    kind: DeviceKind
    ts: UtcTimestamp
    frame_drops: Annotated[int, Field(ge=0, le=10_000)] | None = None  # frames dropped since the last sample
    temperature_c: Annotated[float, Field(ge=-40, le=150)]
    bitrate_kbps: Annotated[float, Field(ge=0, le=200_000)] | None = None
    battery_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    fault: bool = False  # the device itself reports a hard fault (sensor lost, no signal)


class TelemetryRefused(ValueError):
    """A record that is no valid telemetry sample; the reason names fields, never values."""


def parse_telemetry(data: bytes, market: str) -> Telemetry:
    """The sample in ``data`` for ``market``, or :class:`TelemetryRefused` with a safe reason."""
    if len(data) > MAX_RECORD_BYTES:
        raise TelemetryRefused(f"record: over {MAX_RECORD_BYTES} bytes")
    try:
        sample = Telemetry.model_validate_json(data)
    except (ValidationError, UnicodeDecodeError) as error:
        raise TelemetryRefused(describe_error(error)) from None
    if sample.market != market:
        raise TelemetryRefused("market: not this stream's market")
    return sample
