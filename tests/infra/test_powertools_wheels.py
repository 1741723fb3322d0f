"""mena's Powertools layer holds the Lambda runtime's compiled builds (issue 29).

AWS publishes no Powertools layer in me-central-1, so the stack ships the project's own
(``infra_cdk.powertools_staging``). This machine's Python is not the runtime's, so the compiled
parts come from the python3.12 wheels ``./livebase``'s set-up fetches into ``build/wheels/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infra_cdk.components.powertools import has_managed_layer
from infra_cdk.powertools_staging import WHEELS_DIR, compiled_pins, stage_powertools_layer
from tests.infra.stacks import MARKETS, SELLING

RUNTIME_CORE = "pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu.so"
WITHOUT_MANAGED_LAYER = [m for m in SELLING if not has_managed_layer(MARKETS[m].region)]


def _wheels_fetched() -> bool:
    return all(any(WHEELS_DIR.glob(f"{pin.split('==')[0]}-{pin.split('==')[1]}-*.whl")) for pin in compiled_pins())


def test_some_market_is_in_a_region_without_the_managed_layer() -> None:
    assert WITHOUT_MANAGED_LAYER  # mena, me-central-1: else this file tests nothing


def test_the_staged_layer_holds_the_runtime_build_of_pydantic_core(tmp_path: Path) -> None:
    if not _wheels_fetched() and not os.environ.get("CI"):
        pytest.skip(f"no python3.12 wheels in {WHEELS_DIR}: run ./livebase (its set-up fetches them)")
    staged = stage_powertools_layer(build_dir=tmp_path)
    assert staged.missing_wheels == ()
    assert (staged.path / "python" / RUNTIME_CORE).is_file()
    assert not list((staged.path / "python").rglob("*cpython-311*.so"))  # no build for this machine's Python
