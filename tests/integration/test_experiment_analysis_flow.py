"""The experiment-analysis flow under Prefect's test harness, reading arms written into a deployed
market's room-metrics table as the ingest consumer writes them (running totals per shard)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from livebase.live.room_metrics import Partial, viewer_hash
from livebase.live.shard_minutes import to_item
from livebase.markets.config import load_markets
from livebase.sessions.experiments import B_WINS, ExperimentResult, Variant, arm_room, assign_variant
from tests.support.local_aws import LocalAwsStack

pytestmark = pytest.mark.slow
EU = load_markets()["eu"]
T0 = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)


def seed_arms(local_aws: LocalAwsStack, experiment: str, viewers: int, rates: dict[str, float]) -> dict[str, Any]:
    """``viewers`` pseudonymous viewers split by ``assign_variant``; every ``1/rate``-th of an arm buys."""
    resources = local_aws.deployments["eu"].resources()
    table = boto3.resource("dynamodb", region_name=resources.region).Table(resources.room_metrics_table)
    arms: dict[Variant, list[str]] = {"A": [], "B": []}
    for i in range(viewers):
        key = f"v_{uuid.uuid5(uuid.NAMESPACE_OID, f'{experiment}-{i}').hex[:20]}"
        arms[assign_variant(key, experiment)].append(key)
    with table.batch_writer() as batch:
        for variant, keys in arms.items():
            step = round(1 / rates[variant])
            for minute in range(4):  # each viewer seen in one of four minutes, on one of two shards
                for shard in ("shardId-000000000000", "shardId-000000000001"):
                    part = Partial(arm_room(experiment, variant), T0 + timedelta(minutes=minute), 1, 1)
                    chunk = [(n, k) for n, k in enumerate(keys) if n % 8 == minute * 2 + (shard[-1] == "1")]
                    part.viewers.update(viewer_hash(k) for _, k in chunk)
                    part.buyers.update(viewer_hash(k) for n, k in chunk if n % step == 0)
                    batch.put_item(Item=to_item(part, EU, shard))
    return {v: (len(k), len(range(0, len(k), round(1 / rates[v])))) for v, k in arms.items()}


def test_flow_finds_the_better_arm_and_publishes_the_table(local_aws: LocalAwsStack, prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.session_experiments import artifact_key, experiment_analysis

    experiment = f"lineup-{uuid.uuid4().hex[:6]}"
    truth = seed_arms(local_aws, experiment, 24_000, {"A": 0.05, "B": 0.0625})  # 1 in 20 vs 1 in 16

    result: ExperimentResult = experiment_analysis(market="eu", experiment_id=experiment, mde=0.01)

    assert (result.a.viewers, result.a.buyers) == truth["A"] and (result.b.viewers, result.b.buyers) == truth["B"]
    assert result.verdict == B_WINS and not result.sample_ratio_mismatch
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[artifact_key("eu", experiment)]))
        )
    assert artifact.type == "table" and B_WINS in str(artifact.data) and experiment in str(artifact.data)


def test_too_few_viewers_are_reported_underpowered_and_bad_parameters_refused(
    local_aws: LocalAwsStack, prefect_harness: None
) -> None:
    from prefect.exceptions import ParameterTypeError

    from flows.session_experiments import experiment_analysis

    experiment = f"host-{uuid.uuid4().hex[:6]}"
    seed_arms(local_aws, experiment, 800, {"A": 0.05, "B": 0.10})
    result: ExperimentResult = experiment_analysis(market="eu", experiment_id=experiment)
    assert result.verdict.startswith("underpowered: need ") and result.verdict.endswith(" per arm")
    with pytest.raises(ParameterTypeError, match="mde"):
        experiment_analysis(market="eu", experiment_id=experiment, mde=0.9)
    with pytest.raises(ParameterTypeError, match="market"):
        experiment_analysis(market="moon", experiment_id=experiment)
