"""A/B experiments on sessions: the stable split, the verdicts on crafted data, and the arms'
audience read from a room-metrics table (moto in-process, a table of its own)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws

from livebase.live.room_metrics import Partial, viewer_hash
from livebase.live.shard_minutes import to_item
from livebase.markets.config import load_markets
from livebase.sessions.experiments import (
    A_WINS,
    B_WINS,
    NO_DIFFERENCE,
    ArmCounts,
    analyse,
    arm_room,
    assign_variant,
    needed_sample,
)
from livebase.stores.room_metrics import RoomStore

MENA = load_markets()["mena"]
T0 = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def draw(rng: np.random.Generator, viewers: int, rate: float) -> ArmCounts:
    return ArmCounts(viewers, int(rng.binomial(viewers, rate)))


def test_the_split_is_stable_keyed_by_experiment_and_follows_the_share() -> None:
    keys = [f"v_{i:012x}" for i in range(20_000)]
    first = [assign_variant(k, "lineup-2026-12") for k in keys]
    assert first == [assign_variant(k, "lineup-2026-12") for k in keys]  # same viewer, same arm
    assert abs(Counter(first)["B"] / len(keys) - 0.5) < 0.02
    other = [assign_variant(k, "host-style-7") for k in keys]
    agree = sum(x == y for x, y in zip(first, other, strict=True)) / len(keys)
    assert abs(agree - 0.5) < 0.02  # independent of another experiment's split
    assert abs(Counter(assign_variant(k, "small", share=0.2) for k in keys)["B"] / len(keys) - 0.2) < 0.02
    assert assign_variant("v_1", "x" * 200) in ("A", "B")  # long ids are hashed into the key


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: assign_variant("", "e"), "viewer_key"),
        (lambda: assign_variant("v_1", ""), "experiment_id"),
        (lambda: assign_variant("v_1", "e", share=1.0), "share"),
        (lambda: analyse(ArmCounts(10, 1), ArmCounts(10, 1), alpha=0.7), "alpha"),
        (lambda: analyse(ArmCounts(10, 1), ArmCounts(10, 1), power=0.2), "power"),
        (lambda: analyse(ArmCounts(10, 1), ArmCounts(10, 1), mde=0), "mde"),
        (lambda: ArmCounts(10, 11), "buyers"),
        (lambda: arm_room("r", "C"), "variant"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_names_the_field(call: Any, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}"):
        call()


def test_a_known_effect_is_found_with_its_interval() -> None:
    rng = np.random.default_rng(17)
    a, b = draw(rng, 30_000, 0.050), draw(rng, 30_000, 0.060)  # +1 point, needs ~8k per arm
    result = analyse(a, b, alpha=0.05, power=0.8, mde=0.01)
    assert result.verdict == B_WINS
    assert result.ci_low is not None and result.ci_high is not None
    assert result.ci_low < 0.010 < result.ci_high and result.ci_low > 0  # the true lift is inside, 0 is not
    assert result.p_value is not None and result.p_value < 0.001
    reversed_ = analyse(b, a, mde=0.01)
    assert reversed_.verdict == A_WINS and reversed_.difference == pytest.approx(-result.difference)


def test_a_null_effect_is_not_declared_a_winner_more_often_than_alpha() -> None:
    rng = np.random.default_rng(3)
    verdicts = Counter(analyse(draw(rng, 10_000, 0.05), draw(rng, 10_000, 0.05), mde=0.01).verdict for _ in range(200))
    assert set(verdicts) <= {NO_DIFFERENCE, A_WINS, B_WINS}  # 10k per arm is past the ~8k needed
    false_winners = (verdicts[A_WINS] + verdicts[B_WINS]) / 200
    assert false_winners < 0.1  # alpha = 0.05, with room for sampling noise over 200 runs


def test_an_underpowered_experiment_says_how_many_it_needs_even_when_the_p_value_is_small() -> None:
    small_a, small_b = ArmCounts(600, 24), ArmCounts(600, 45)  # p ~ 0.01 already, but 600 << needed
    result = analyse(small_a, small_b, mde=0.01)
    need_a, need_b = needed_sample(0.04, 0.01, alpha=0.05, power=0.8)
    assert result.p_value is not None and result.p_value < 0.05
    assert result.verdict == f"underpowered: need {max(need_a, need_b)} per arm"
    assert 6_000 < need_a == need_b < 8_000  # 4 % -> 5 %: the textbook figure is ~6.7k per arm
    empty = analyse(ArmCounts(0, 0), ArmCounts(0, 0))
    assert empty.verdict.startswith("underpowered: need ") and empty.p_value is None and empty.ci_low is None


def test_an_uneven_split_needs_more_in_the_larger_arm_and_a_broken_split_is_flagged() -> None:
    need_a, need_b = needed_sample(0.05, 0.01, alpha=0.05, power=0.8, share=0.2)
    assert need_a > need_b * 3.9  # A holds 80 % of the audience
    skewed = analyse(ArmCounts(12_000, 600), ArmCounts(9_000, 450), mde=0.01)  # planned 50/50
    assert skewed.sample_ratio_mismatch and skewed.row()["sample_ratio_mismatch"] is True


@pytest.fixture()
def table() -> Iterator[Any]:
    with mock_aws():
        yield boto3.resource("dynamodb", region_name=MENA.region).create_table(
            TableName=f"room-metrics-{uuid.uuid4().hex[:8]}",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
        )


def test_an_arms_audience_is_the_union_over_its_minutes_and_shards(table: Any) -> None:
    room = arm_room("ramadan-night-1", "B")
    for minute in range(3):  # the same viewers watch for three minutes on two shards
        for shard in ("shardId-0", "shardId-1"):
            part = Partial(room_id=room, minute=T0 + timedelta(minutes=minute), first_seq=1, last_seq=2)
            part.viewers.update(viewer_hash(f"v_{i}") for i in range(100) if i % 2 == (shard == "shardId-1"))
            part.buyers.update(viewer_hash(f"v_{i}") for i in range(minute * 4, minute * 4 + 4))
            table.put_item(Item=to_item(part, MENA, shard))
    assert RoomStore(table).audience(room) == (100, 12)
    assert RoomStore(table).audience(arm_room("ramadan-night-1", "A")) == (0, 0)
