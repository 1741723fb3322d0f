"""The experiment-analysis flow under Prefect's test harness, on a deployed market: viewers exposed
through the player function's join path, and orders written to the market's orders table; the
analysis counts exposed viewers per arm and those who ordered within the window after exposure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from livebase.markets.config import load_markets
from livebase.sessions.experiments import B_WINS, ExperimentResult, Variant, assign_variant
from livebase.sessions.joining import SessionRecord
from livebase.stores.order_table import order_model, order_record
from livebase.stores.player import PlayerStore
from livebase_local.runner.functions import load_handler
from tests.support.lambda_events import CONTEXT, sample
from tests.support.local_aws import LocalAwsStack
from tests.support.orders import placed

pytestmark = pytest.mark.slow
EU = load_markets()["eu"]


def seed_arms(local_aws: LocalAwsStack, experiment: str, viewers: int, rates: dict[str, float]) -> dict[str, Any]:
    """``viewers`` join the session through the player function; every ``1/rate``-th of an arm orders after
    joining (and one more viewer per arm only before joining: not counted)."""
    resources = local_aws.deployments["eu"].resources()
    store = PlayerStore(boto3.client("dynamodb", region_name=resources.region), resources.player_table)
    now = datetime.now(UTC)
    store.put_session(SessionRecord(experiment, experiment, ("EU-10001",), experiment, 0.5, now + timedelta(hours=2)),
                      expires=now + timedelta(days=1))  # fmt: skip
    player = load_handler("player", resources, container=uuid.uuid4().hex[:8])[1]
    arms: dict[Variant, list[str]] = {"A": [], "B": []}
    for i in range(viewers):
        key = f"v_{uuid.uuid5(uuid.NAMESPACE_OID, f'{experiment}-{i}').hex[:20]}"
        event = sample("apigateway_post_player_join")
        event["path"], event["pathParameters"] = f"/sessions/{experiment}/join", {"session": experiment}
        event["body"] = f'{{"viewer": "{key}"}}'
        assert player(event, CONTEXT)["statusCode"] == 200
        arms[assign_variant(key, experiment)].append(key)
    model = order_model(resources.orders_table, resources.region)
    line = ("EU-10001", 1, "10.00")
    with model.batch_write() as batch:
        for variant, keys in arms.items():
            step = round(1 / rates[variant])
            for n, key in enumerate(keys):
                if n % step == 0:
                    order = placed(f"o-{experiment}-{variant}-{n}", now + timedelta(minutes=30), line)
                    batch.save(order_record(model, order.model_copy(update={"viewer_id": key})))
            early = placed(f"o-{experiment}-{variant}-early", now - timedelta(hours=1), line)
            batch.save(order_record(model, early.model_copy(update={"viewer_id": keys[1]})))
    return {v: (len(k), len(range(0, len(k), round(1 / rates[v])))) for v, k in arms.items()}


def test_flow_finds_the_better_arm_from_exposures_and_publishes_the_table(
    local_aws: LocalAwsStack, prefect_harness: None
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.session_experiments import artifact_key, experiment_analysis

    experiment = f"lineup-{uuid.uuid4().hex[:6]}"
    truth = seed_arms(local_aws, experiment, 1200, {"A": 0.05, "B": 0.125})  # 1 in 20 vs 1 in 8

    result: ExperimentResult = experiment_analysis(market="eu", experiment_id=experiment, mde=0.05)

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
    seed_arms(local_aws, experiment, 60, {"A": 0.05, "B": 0.10})
    result: ExperimentResult = experiment_analysis(market="eu", experiment_id=experiment)
    assert result.verdict.startswith("underpowered: need ") and result.verdict.endswith(" per arm")
    unseen: ExperimentResult = experiment_analysis(market="eu", experiment_id=f"none-{uuid.uuid4().hex[:6]}")
    assert (unseen.a.viewers, unseen.b.viewers) == (0, 0)
    with pytest.raises(ParameterTypeError, match="mde"):
        experiment_analysis(market="eu", experiment_id=experiment, mde=0.9)
    with pytest.raises(ParameterTypeError, match="market"):
        experiment_analysis(market="moon", experiment_id=experiment)
