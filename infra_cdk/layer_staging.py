"""Stage the livebase Lambda layer (the modules the functions import + vendored deps) offline.

The layer ships the ``livebase`` modules the handler folders under ``functions/`` import,
transitively (``infra_cdk.layer_imports``), the ``__init__`` of their packages and the data files
beside them (``live/sentiment/lexicons/*.json``), never the rest of the library (forecasting, its
numeric dependencies and DECISIONS.md stay out), plus the pure-python distributions pinned in
``livebase/requirements.txt``. It is built from what is installed in this environment, never from
the network, so synth works on an air-gapped machine and the asset hash changes only when the
shipped code or a pin changes. Each distinct content gets its own folder, created atomically, so
concurrent synths never race.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import time
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from infra_cdk.layer_imports import ROOT_PACKAGE, module_closure


def _installed_package_dir() -> Path:
    spec = importlib.util.find_spec(ROOT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{ROOT_PACKAGE} is not installed in this environment (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations)))


REPO_DIR = Path(__file__).resolve().parents[1]  # the CDK app sits beside functions/ in the repository
FUNCTIONS_DIR = REPO_DIR / "functions"
BUILD_DIR = REPO_DIR / "build"
PACKAGE_DIR = _installed_package_dir()  # where the installed livebase lives (layers/livebase, editable)
REQUIREMENTS = PACKAGE_DIR / "requirements.txt"
_SKIP_PARTS = {"__pycache__", "tests"}
_SKIP_NAMES = {"requirements.txt"}
_NOT_DATA = {".py", ".pyc", ".pyo", ".md", ".rst"}  # sources are shipped by the closure; docs never
STALE_AFTER_S = 600  # CDK copies the staged folder into cdk.out at construction, within seconds


class LayerStagingError(RuntimeError):
    """A vendored dependency is missing or does not satisfy its pin."""


def handler_sources(functions_dir: Path | None = None) -> list[Path]:
    """Every Python file a function's code asset ships (``functions/<name>/**``, tests excluded)."""
    root = functions_dir or FUNCTIONS_DIR
    return sorted(path for path in root.glob("*/**/*.py") if not _SKIP_PARTS & set(path.relative_to(root).parts))


def staged_modules(functions_dir: Path | None = None, package_dir: Path | None = None) -> dict[str, Path]:
    """``{module: source}`` of the livebase modules the layer ships."""
    return module_closure(handler_sources(functions_dir), package_dir or PACKAGE_DIR)


def _data_files(package: Path) -> list[Path]:
    """Non-source files of a shipped package and of its data-only subfolders (no Python inside)."""
    files = [p for p in package.iterdir() if p.is_file() and p.suffix not in _NOT_DATA and p.name not in _SKIP_NAMES]
    for folder in package.iterdir():
        if folder.is_dir() and folder.name not in _SKIP_PARTS and not any(folder.rglob("*.py")):
            files.extend(p for p in folder.rglob("*") if p.is_file() and p.suffix not in _NOT_DATA)
    return files


def _package_files() -> list[tuple[str, Path]]:
    sources = set(staged_modules().values())
    packages = {source.parent for source in sources}
    files = sources | {data for package in packages for data in _data_files(package)}
    return [(f"python/{ROOT_PACKAGE}/{path.relative_to(PACKAGE_DIR).as_posix()}", path) for path in files]


def _requirements() -> list[Requirement]:
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines() if REQUIREMENTS.exists() else []
    return [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]


def installed_distribution(requirement: Requirement) -> metadata.Distribution:
    """The installed distribution satisfying ``requirement`` (a clear error when it does not)."""
    try:
        dist = metadata.distribution(requirement.name)
    except metadata.PackageNotFoundError:
        raise LayerStagingError(f"layer dependency {requirement} is not installed in this environment") from None
    if not requirement.specifier.contains(dist.version, prereleases=True):
        raise LayerStagingError(f"layer dependency {requirement} not satisfied: installed {dist.version}")
    return dist


def distribution_files(dist: metadata.Distribution) -> list[tuple[str, Path]]:
    """(``python/<path>``, installed file) of every file a distribution installed into site-packages."""
    files = []
    for entry in dist.files or []:
        rel = Path(str(entry))
        if rel.parts[0] == ".." or _SKIP_PARTS & set(rel.parts) or rel.suffix in {".pyc", ".pyo"}:
            continue  # console scripts land outside site-packages; bytecode is rebuilt in Lambda
        source = Path(str(dist.locate_file(entry)))
        if source.is_file():
            files.append((f"python/{rel.as_posix()}", source))
    return files


def layer_files() -> list[tuple[str, Path]]:
    """(path inside the layer zip, source file) for every file the layer ships."""
    files = _package_files()
    for requirement in _requirements():
        files.extend(distribution_files(installed_distribution(requirement)))
    return sorted(files)


def stage_layer(build_dir: Path = BUILD_DIR) -> Path:
    """Return a folder holding ``python/...`` for ``aws_lambda.Code.from_asset``."""
    return stage_files(layer_files(), "layer", build_dir)


def stage_files(files: list[tuple[str, Path]], kind: str, build_dir: Path = BUILD_DIR) -> Path:
    """``build/<kind>-<content hash>/`` holding each (target, source) file: staged once per content."""
    digest = hashlib.sha256()
    for target, source in files:
        digest.update(target.encode())
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    final = build_dir / f"{kind}-{digest.hexdigest()[:16]}"
    _prune_stale(build_dir, keep=final, kind=kind)
    if final.is_dir():
        return final
    build_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=build_dir))
    for target, source in files:
        (scratch / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, scratch / target)
    try:
        os.rename(scratch, final)
    except OSError:  # another synth staged the same content first
        shutil.rmtree(scratch, ignore_errors=True)
        if not final.is_dir():
            raise
    return final


def _prune_stale(build_dir: Path, keep: Path, kind: str) -> None:
    """Drop staged folders of older content (every edit of livebase stages a new one)."""
    cutoff = time.time() - STALE_AFTER_S
    for folder in build_dir.glob(f"{kind}-*"):
        if folder != keep and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
