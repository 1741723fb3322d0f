"""MarketResources travels as a Prefect task parameter: the tasks' cache key hashes it, as JSON."""

from __future__ import annotations

from dataclasses import asdict

from prefect.cache_policies import INPUTS
from prefect.utilities.hashing import hash_objects
from pydantic import TypeAdapter

from livebase.markets.resources import OUTPUTS, MarketResources


def resources(market: str) -> MarketResources:
    names = {name: f"{market}-{name}" for name in OUTPUTS}
    return MarketResources(market=market, region="eu-central-1", **names)


def test_market_resources_hash_as_inputs_and_round_trip_through_json() -> None:
    sea, eu = resources("sea"), resources("eu")
    assert hash_objects({"resources": sea}, raise_on_failure=True) == hash_objects({"resources": resources("sea")})
    assert hash_objects({"resources": sea}) != hash_objects({"resources": eu})
    key = INPUTS.compute_key(task_ctx=None, inputs={"resources": sea}, flow_parameters={})  # type: ignore[arg-type]
    assert key is not None
    adapter = TypeAdapter(MarketResources)
    assert adapter.validate_json(adapter.dump_json(sea)) == sea
    assert adapter.dump_python(sea) == asdict(sea)
