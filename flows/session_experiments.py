"""Experiment analysis: is variant B of a session (line-up order, host style) better than A?

Each arm of an experiment is a live room of its own (``livebase.sessions.experiments.arm_room``:
``<experiment>-A`` / ``<experiment>-B`` unless named), its viewers routed there by
``assign_variant``; the room-metrics table already holds each room's exact (hashed) viewer and
buyer sets, so the split needs no new field and ingest is unchanged. One task reads both arms'
audience in the market's own region (only two pairs of counts come back: no viewer crosses);
the analysis is ``livebase.sessions.experiments.analyse`` and the result a table artifact,
``experiment-<market>-<experiment>``, with the verdict ("underpowered: need N per arm" until both
arms reach the sample the MDE needs).
"""

from __future__ import annotations

import re
from typing import Annotated

import boto3
from prefect import flow, task
from pydantic import Field

from flows.artifacts import publish_table
from flows.markets import MarketId, resolve_market_resources
from livebase.aws import retry_config
from livebase.markets.resources import MarketResources
from livebase.sessions.experiments import ArmCounts, ExperimentResult, analyse, arm_room
from livebase.stores.room_metrics import RoomStore

# The room-id alphabet of live events (livebase.live.events NameId), 2 characters left for "-A".
ROOM = r"^[A-Za-z0-9_.:-]{1,62}$"
ExperimentId = Annotated[str, Field(pattern=ROOM, description="the experiment (keys the split; names its arms)")]
RoomId = Annotated[str | None, Field(pattern=ROOM, description="the arm's live room; default <experiment>-A/-B")]


@task(name="read-arm-audiences", retries=2, retry_delay_seconds=5)
def read_arm_audiences(resources: MarketResources, room_a: str, room_b: str) -> tuple[ArmCounts, ArmCounts]:
    """Distinct viewers and buyers of both arms, read in the market's region: two counts each."""
    dynamodb = boto3.resource("dynamodb", region_name=resources.region, config=retry_config())
    store = RoomStore(dynamodb.Table(resources.room_metrics_table))
    return ArmCounts(*store.audience(room_a)), ArmCounts(*store.audience(room_b))


def artifact_key(market: str, experiment_id: str) -> str:
    """Prefect artifact keys take lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", f"experiment-{market}-{experiment_id}".lower()).strip("-")[:100]


@flow(name="experiment-analysis", log_prints=True)
def experiment_analysis(
    market: MarketId,
    experiment_id: ExperimentId,
    room_a: RoomId = None,
    room_b: RoomId = None,
    share: Annotated[float, Field(gt=0, lt=1, description="planned fraction of the audience in B")] = 0.5,
    alpha: Annotated[float, Field(ge=0.001, le=0.2, description="false-winner rate (two-sided)")] = 0.05,
    power: Annotated[float, Field(ge=0.5, le=0.99, description="chance of detecting an effect of size mde")] = 0.8,
    mde: Annotated[
        float, Field(ge=0.001, le=0.5, description="minimum detectable effect: absolute change in conversion")
    ] = 0.01,
) -> ExperimentResult:
    """Compare the arms' viewer conversion; publish the difference, its interval, the test and the verdict."""
    resources = resolve_market_resources(market)
    rooms = (room_a or arm_room(experiment_id, "A"), room_b or arm_room(experiment_id, "B"))
    if rooms[0] == rooms[1]:
        raise ValueError(f"room_b: both arms are room {rooms[0]!r}; an experiment compares two rooms")
    a, b = read_arm_audiences(resources, *rooms)
    result = analyse(a, b, alpha=alpha, power=power, mde=mde, share=share)
    publish_table(
        market,
        key=artifact_key(market, experiment_id),
        table=[{"market": market, "experiment": experiment_id, "room_a": rooms[0], "room_b": rooms[1], **result.row()}],
        description=f"{experiment_id} ({market}): {result.verdict}",
    )
    warning = " (sample ratio mismatch: check the split before trusting this)" if result.sample_ratio_mismatch else ""
    print(
        f"{market} {experiment_id}: A {a.buyers}/{a.viewers}, B {b.buyers}/{b.viewers}, "
        f"B-A {result.difference:+.4f} -> {result.verdict}{warning}"
    )
    return result
