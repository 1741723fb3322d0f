"""Room alerts (``livebase.rooms``, one detail-type per kind): the numbers behind each alert.

Made by the detectors of ``livebase.live.alerts`` (these models are their results), put by the
ingest consumer (``livebase.live.judging``); taken by the ops topic, the Prefect bridge
(``flows.room_alerts``) and, with a Prefect API, one rule per kind whose input transformer sends
that kind's fields only (``infra_cdk/components/signals.py``). The detail is ``kind`` first, then
every field of the alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import SerializerFunctionWrapHandler, model_serializer

from livebase.signals.contract import BusSignal, IsoTime

ROOM_EVENT_SOURCE = "livebase.rooms"


class AlertKind(StrEnum):
    CONVERSION_DROP = "conversion_drop"
    SENTIMENT_SPIKE = "sentiment_spike"
    VIEWER_DROP = "viewer_drop"
    EDGE_OVERLOAD = "edge_overload"


class RoomAlert(BusSignal):
    """What every alert carries: the room's market, the room and the minute judged."""

    SOURCE = ROOM_EVENT_SOURCE
    kind: ClassVar[AlertKind]  # a class attribute (infra reads it per class), written first in the detail

    market: str
    room_id: str
    minute: IsoTime

    @classmethod
    def refusal(cls, detail: Mapping[str, Any]) -> str | None:
        return None if detail.get("kind") == cls.kind else "detail.kind: not the kind of the detail-type"

    @model_serializer(mode="wrap")
    def _kind_first(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {"kind": str(self.kind), **handler(self)}

    @property
    def key(self) -> str:
        """What makes two alerts "the same" across minutes (for onset-only scans)."""
        return f"{self.kind}:{self.room_id}"

    def occurred(self) -> datetime:
        return self.minute


class ConversionDrop(RoomAlert):
    DETAIL_TYPE = "Room conversion drop"
    kind = AlertKind.CONVERSION_DROP

    window_minutes: int
    baseline_minutes: int
    current_viewers: int
    current_buyers: int
    current_rate: float
    baseline_viewers: int
    baseline_buyers: int
    baseline_rate: float
    spike_minutes_left_out: int
    dispersion: float
    z: float
    p_value: float
    p_threshold: float
    test: str = "one-sided two-proportion z-test, quasi-binomial variance"


class SentimentSpike(RoomAlert):
    DETAIL_TYPE = "Room negative sentiment spike"
    kind = AlertKind.SENTIMENT_SPIKE

    language: str
    window_minutes: int
    comments: int
    negative: int
    negative_share: float
    baseline_comments: int
    baseline_share: float
    dispersion: float
    z: float
    p_value: float
    z_threshold: float

    @property
    def key(self) -> str:
        return f"{super().key}:{self.language}"


class ViewerDrop(RoomAlert):
    DETAIL_TYPE = "Room viewer drop"
    kind = AlertKind.VIEWER_DROP

    peak_viewers: int
    previous_viewers: int
    current_viewers: int
    leaves: int
    drop_fraction: float
    fraction_threshold: float


class EdgeOverload(RoomAlert):
    DETAIL_TYPE = "Edge node overload"
    kind = AlertKind.EDGE_OVERLOAD

    edge_location: str
    cpu: float
    error_rate: float
    viewers_served: float
    cpu_threshold: float
    error_rate_threshold: float
    viewers_to_shift: int
    recommended_location: str | None
    recommended_cpu: float | None
    recommended_capacity: int | None
    unmeasured_neighbours: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{super().key}:{self.edge_location}"


ALERT_TYPES: tuple[type[RoomAlert], ...] = (ConversionDrop, SentimentSpike, ViewerDrop, EdgeOverload)
DETAIL_TYPES = {alert.kind: alert.DETAIL_TYPE for alert in ALERT_TYPES}
# Every field an alert's detail may carry: what forwarding to Prefect keeps, so a stray field (a
# viewer id put on the bus by mistake) never leaves the region.
EVIDENCE_FIELDS = frozenset({"kind"} | {name for alert in ALERT_TYPES for name in alert.model_fields})
