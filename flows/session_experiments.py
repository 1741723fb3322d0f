"""Experiment analysis: is variant B of a session (line-up order, host style) better than A?

Who was in which arm is what the join path recorded, not a guess from rooms: the player's join
request (``functions/player``) assigns the viewer with ``assign_variant`` and writes the exposure
(experiment, viewer hash -> arm, first exposure) to the market's player table. One task reads the
experiment's exposures and the market's orders in its own region and counts, per arm, the exposed
viewers and those of them who ordered within ``window_hours`` after their first exposure (only two
pairs of counts leave the task: no viewer crosses). The analysis is
``livebase.sessions.experiments.analyse`` and the result a table artifact,
``experiment-<market>-<experiment>``, with the verdict ("underpowered: need N per arm" until both
arms reach the sample the MDE needs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Annotated, Any

import boto3
from prefect import flow, task
from pydantic import Field

from flows.artifacts import no_input, pct, publish_table
from flows.markets import MarketId, resolve_market_resources
from livebase.aws import retry_config
from livebase.markets.resources import MarketResources
from livebase.sessions.experiments import ArmCounts, ExperimentResult, analyse
from livebase.sessions.joining import viewer_hash
from livebase.stores.orders import OrderStore
from livebase.stores.player import Exposure, PlayerStore

# The room-id alphabet of live events (livebase.live.events NameId).
ExperimentId = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$", description="the experiment (keys the split; names its arms)")
]


def count_arms(exposures: Sequence[Exposure], orders: Iterable[Any], window: timedelta) -> tuple[ArmCounts, ArmCounts]:
    """Exposed viewers per arm and, of them, those with an order placed in ``window`` after first exposure."""
    first = {e.viewer_hash: e for e in exposures}
    bought: set[str] = set()
    for order in orders:
        exposure = first.get(viewer_hash(str(order.viewer_id)))
        if exposure and exposure.first_exposed_at <= order.placed_at <= exposure.first_exposed_at + window:
            bought.add(exposure.viewer_hash)
    counts = {
        arm: ArmCounts(
            sum(1 for e in exposures if e.arm == arm),
            sum(1 for e in exposures if e.arm == arm and e.viewer_hash in bought),
        )
        for arm in ("A", "B")
    }
    return counts["A"], counts["B"]


@task(name="read-exposed-arms", retries=2, retry_delay_seconds=5)
def read_exposed_arms(resources: MarketResources, experiment_id: str, window_hours: int) -> tuple[ArmCounts, ArmCounts]:
    """Exposures and orders, read in the market's region: two counts per arm come back."""
    client = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
    exposures = PlayerStore(client, resources.player_table).exposures(experiment_id)
    if not exposures:
        return ArmCounts(0, 0), ArmCounts(0, 0)
    start = min(e.first_exposed_at for e in exposures)
    orders = [o for o in OrderStore.for_market(resources).all_orders() if o.placed_at >= start]
    return count_arms(exposures, orders, timedelta(hours=window_hours))


def artifact_key(market: str, experiment_id: str) -> str:
    """Prefect artifact keys take lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", f"experiment-{market}-{experiment_id}".lower()).strip("-")[:100]


def experiment_row(market: str, experiment_id: str, window_hours: int, result: ExperimentResult) -> dict[str, Any]:
    """The artifact's row: the verdict first, conversions and their difference in %, the counts after."""
    interval = "-" if result.ci_low is None or result.ci_high is None else (
        f"{pct(result.ci_low, 2)} .. {pct(result.ci_high, 2)}"
    )  # fmt: skip
    return {
        "verdict": result.verdict, "a_conversion": pct(result.a.conversion, 2),
        "b_conversion": pct(result.b.conversion, 2), "b_minus_a": f"{result.difference * 100:+.2f} pp",
        "interval": interval, "p_value": "-" if result.p_value is None else f"{result.p_value:.3f}",
        "a_buyers": f"{result.a.buyers} of {result.a.viewers}", "b_buyers": f"{result.b.buyers} of {result.b.viewers}",
        "needed_per_arm": result.needed_per_arm, "sample_ratio_mismatch": result.sample_ratio_mismatch,
        "window_hours": window_hours, "experiment": experiment_id, "market": market,
    }  # fmt: skip


@flow(name="experiment-analysis", log_prints=True)
def experiment_analysis(
    market: MarketId,
    experiment_id: ExperimentId,
    window_hours: Annotated[int, Field(ge=1, le=168, description="an order counts this long after exposure")] = 24,
    share: Annotated[float, Field(gt=0, lt=1, description="planned fraction of the audience in B")] = 0.5,
    alpha: Annotated[float, Field(ge=0.001, le=0.2, description="false-winner rate (two-sided)")] = 0.05,
    power: Annotated[float, Field(ge=0.5, le=0.99, description="chance of detecting an effect of size mde")] = 0.8,
    mde: Annotated[
        float, Field(ge=0.001, le=0.5, description="minimum detectable effect: absolute change in conversion")
    ] = 0.01,
) -> ExperimentResult:
    """Compare the arms' conversion of exposed viewers; publish the difference, its interval, the test, the verdict."""
    resources = resolve_market_resources(market)
    a, b = read_exposed_arms(resources, experiment_id, window_hours)
    result = analyse(a, b, alpha=alpha, power=power, mde=mde, share=share)
    exposed = a.viewers + b.viewers
    publish_table(
        market,
        key=artifact_key(market, experiment_id),
        table=[experiment_row(market, experiment_id, window_hours, result)] if exposed else [],
        description=f"{experiment_id} ({market}): "
        + (result.verdict if exposed else "no viewer exposed yet, nothing to compare"),
        empty=no_input(f"no viewer of {market} was exposed to {experiment_id} (no exposure in its player table)"),
    )
    warning = " (sample ratio mismatch: check the split before trusting this)" if result.sample_ratio_mismatch else ""
    if not exposed:
        print(f"{market} {experiment_id}: no input: no viewer exposed to the experiment yet")
    print(
        f"{market} {experiment_id}: exposed A {a.buyers}/{a.viewers}, B {b.buyers}/{b.viewers}, "
        f"B-A {result.difference:+.4f} -> {result.verdict}{warning}"
    )
    return result
