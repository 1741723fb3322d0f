"""The staged Lambda layer holds what the handlers import, and nothing of forecasting.

The import check runs in a fresh interpreter without ``site`` (so the editable install's finder,
which maps ``livebase`` to the repository, is not loaded): its path is the staged layer, then the
environment's site-packages standing in for the Lambda runtime and the Powertools layer, with
every other installed package refused (numpy, pandas, ... are not in Lambda).
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from infra_cdk import layer_staging
from infra_cdk.layer_imports import module_closure

# Third-party packages a function finds beside the layer: the python3.12 runtime's SDK and the
# AWS-managed Powertools layer (powertools with its extras, pydantic). Anything else must be vendored.
RUNTIME_AND_POWERTOOLS = {
    "boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six",
    "aws_lambda_powertools", "pydantic", "pydantic_core", "annotated_types", "typing_extensions",
    "typing_inspection", "aws_xray_sdk", "wrapt",
}  # fmt: skip

CHECK = r"""
import importlib, importlib.abc, json, sys
layer, paths, imports, allowed = json.loads(sys.argv[1])
allowed = set(allowed) | set(sys.stdlib_module_names)
refused = set()


class NotInLambda(importlib.abc.MetaPathFinder):
    # What neither the layer, the runtime nor the Powertools layer holds is absent, as in Lambda.
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in allowed or top.startswith("_"):
            return None
        refused.add(top)
        raise ModuleNotFoundError(f"No module named {name!r} (not in the layer, the runtime or Powertools)")


sys.meta_path.insert(0, NotInLambda())
sys.path[:0] = [layer, *paths]
problems = []
for module, names in imports:
    try:
        imported = importlib.import_module(module)
        for name in names:
            if not hasattr(imported, name):
                importlib.import_module(f"{module}.{name}")
    except Exception as error:
        problems.append(f"{module} {names}: {type(error).__name__}: {error}")
elsewhere = sorted(
    name for name, mod in list(sys.modules.items())
    if name.split(".")[0] == "livebase" and not (getattr(mod, "__file__", None) or layer).startswith(layer)
)
print(json.dumps({"problems": problems, "elsewhere": elsewhere, "refused": sorted(refused)}))
"""


def handler_livebase_imports(functions_dir: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every ``livebase`` import in the shipped handler sources, read directly."""
    found = []
    for source in sorted(functions_dir.glob("*/**/*.py")):
        if "tests" in source.relative_to(functions_dir).parts:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("livebase"):
                found.append((str(node.module), [a.name for a in node.names if a.name != "*"]))
            elif isinstance(node, ast.Import):
                found.extend((a.name, []) for a in node.names if a.name.split(".")[0] == "livebase")
    return found


def check_imports(layer_python: Path, imports: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
    paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    vendored = {p.stem if p.suffix == ".py" else p.name for p in layer_python.iterdir()}
    argument = json.dumps([str(layer_python), paths, imports, sorted(RUNTIME_AND_POWERTOOLS | vendored)])
    result = subprocess.run(
        [sys.executable, "-S", "-I", "-c", CHECK, argument],
        cwd=layer_python, capture_output=True, text=True, timeout=300,
        env={"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "AWS_DEFAULT_REGION": "eu-central-1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, list[str]] = json.loads(result.stdout.splitlines()[-1])
    return report


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return layer_staging.stage_layer(build_dir=tmp_path_factory.mktemp("build"))


def test_the_layer_serves_every_livebase_import_of_the_handlers(staged: Path) -> None:
    imports = handler_livebase_imports(layer_staging.FUNCTIONS_DIR)
    assert {module for module, _ in imports} >= {"livebase.markets.config", "livebase.live.events"}
    report = check_imports(staged / "python", imports)
    # A failure names the import: a livebase module the layer lacks, or a package the layer's modules
    # need that is neither vendored (requirements.txt), in the runtime nor in the Powertools layer.
    assert report["problems"] == []
    assert report["elsewhere"] == []  # every livebase module came from the staged layer


def test_the_check_catches_a_module_the_layer_lacks(staged: Path, tmp_path: Path) -> None:
    crippled = tmp_path / "python"
    shutil.copytree(staged / "python", crippled)
    (crippled / "livebase/live/events.py").unlink()
    report = check_imports(crippled, handler_livebase_imports(layer_staging.FUNCTIONS_DIR))
    assert any("livebase.live.events" in problem for problem in report["problems"]), report


def test_the_check_catches_a_dependency_lambda_lacks(staged: Path, tmp_path: Path) -> None:
    polluted = tmp_path / "python"
    shutil.copytree(staged / "python", polluted)
    events = polluted / "livebase/live/events.py"
    events.write_text(events.read_text() + "\nimport numpy\n")  # as if a live module used forecasting's numerics
    report = check_imports(polluted, handler_livebase_imports(layer_staging.FUNCTIONS_DIR))
    assert any("'numpy'" in problem for problem in report["problems"]), report


def test_the_layer_carries_no_forecasting_and_no_notes(staged: Path) -> None:
    assert not (staged / "python/livebase/forecasting").exists()
    assert not any(name.startswith("livebase.forecasting") for name in layer_staging.staged_modules())
    assert not list(staged.rglob("*.md"))
    assert {p.name for p in (staged / "python/livebase/live/sentiment/lexicons").glob("*.json")} >= {"en.json"}


def test_the_closure_follows_imports_and_only_imports(tmp_path: Path) -> None:
    """A module added anywhere is found through its importers; unused ones and type-only ones stay out."""
    package, functions = tmp_path / "livebase", tmp_path / "functions"
    files = {
        package / "__init__.py": "",
        package / "a.py": "from . import b\nfrom .sub.deep import thing\n",
        package / "b.py": "def f():\n    import livebase.lazy\n",
        package / "lazy.py": "",
        package / "unused.py": "",
        package / "typed.py": "",
        package / "sub/__init__.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import typed\n",
        package / "sub/deep.py": "thing = 1\n",
        functions / "f/handler.py": "import os\nfrom livebase.a import b\nfrom helper import x\n",
        functions / "f/helper.py": "import livebase.sub\nx = 1\n",
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    closure = module_closure(layer_staging.handler_sources(functions), package)
    expected = {"livebase", "livebase.a", "livebase.b", "livebase.lazy", "livebase.sub", "livebase.sub.deep"}
    assert set(closure) == expected
