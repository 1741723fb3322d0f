"""The staged Lambda layer scores comments on its own: the sentiment modules, their lexicons and py3langid's
model are in it, and language identification runs with nothing but the layer and the standard library
(no numpy: the layer vendors pure-Python distributions only)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra_cdk import layer_staging

CHECK = r"""
import json, sys
sys.modules["numpy"] = None
layer = sys.argv[1]
sys.path[:0] = [layer]
from importlib import util
from livebase.live.sentiment import scorer_for
eu = scorer_for(("de", "fr", "en"))
result = eu("Die Qualität ist leider miserabel", "fr")
mena = scorer_for(("ar", "en"))("ما شاء الله جميل", "en")
model = util.find_spec("py3langid").submodule_search_locations[0]
print(json.dumps({"negative": result.negative, "language": result.language, "compliment": mena.negative,
                  "model_in_layer": model.startswith(layer),
                  "sentiment_in_layer": sys.modules["livebase.live.sentiment"].__file__.startswith(layer)}))
"""


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return layer_staging.stage_layer(build_dir=tmp_path_factory.mktemp("build"))


def test_the_layer_ships_the_language_model_and_lexicons(staged: Path) -> None:
    python = staged / "python"
    assert (python / "py3langid/data/model.npz.xz").is_file()
    assert (python / "livebase/live/sentiment/language_id.py").is_file()
    assert {p.stem for p in (python / "livebase/live/sentiment/lexicons").glob("*.json")} >= {"ar", "de", "emoji"}
    assert not (python / "livebase/live/sentiment/evaluation.py").exists()  # measuring is not shipped
    assert not (python / "numpy").exists()


def test_comments_are_scored_from_the_layer_alone(staged: Path) -> None:
    python = staged / "python"
    result = subprocess.run(
        [sys.executable, "-S", "-I", "-c", CHECK, str(python)],
        cwd=python, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report == {
        "negative": True, "language": "de", "compliment": False, "model_in_layer": True, "sentiment_in_layer": True,
    }  # fmt: skip
