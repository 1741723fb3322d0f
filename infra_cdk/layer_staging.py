"""Stage the livebase Lambda layer (``python/livebase`` + vendored pure-python deps) offline.

The layer is built from what is installed in this environment, never from the network, so synth
works on an air-gapped machine and the asset hash changes only when the code or a pin changes.
Each distinct content gets its own folder, created atomically, so concurrent synths never race.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from livebase.markets.config import PROJECT_ROOT

PACKAGE_DIR = PROJECT_ROOT / "layers" / "livebase"
REQUIREMENTS = PACKAGE_DIR / "requirements.txt"
BUILD_DIR = PROJECT_ROOT / "build"
_SKIP_PARTS = {"__pycache__"}
_SKIP_NAMES = {"requirements.txt"}
STALE_AFTER_S = 600  # CDK copies the staged folder into cdk.out at construction, within seconds


class LayerStagingError(RuntimeError):
    """A vendored dependency is missing or does not satisfy its pin."""


def _package_files() -> list[tuple[str, Path]]:
    files = []
    for path in sorted(PACKAGE_DIR.rglob("*")):
        rel = path.relative_to(PACKAGE_DIR)
        skipped = _SKIP_PARTS & set(rel.parts) or path.name in _SKIP_NAMES or path.suffix in {".pyc", ".pyo"}
        if path.is_file() and not skipped:
            files.append((f"python/livebase/{rel.as_posix()}", path))
    return files


def _requirements() -> list[Requirement]:
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines() if REQUIREMENTS.exists() else []
    return [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]


def _distribution_files(requirement: Requirement) -> list[tuple[str, Path]]:
    try:
        dist = metadata.distribution(requirement.name)
    except metadata.PackageNotFoundError:
        raise LayerStagingError(f"layer dependency {requirement} is not installed in this environment") from None
    if not requirement.specifier.contains(dist.version, prereleases=True):
        raise LayerStagingError(f"layer dependency {requirement} not satisfied: installed {dist.version}")
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
        files.extend(_distribution_files(requirement))
    return sorted(files)


def stage_layer(build_dir: Path = BUILD_DIR) -> Path:
    """Return a folder holding ``python/...`` for ``aws_lambda.Code.from_asset``."""
    files = layer_files()
    digest = hashlib.sha256()
    for target, source in files:
        digest.update(target.encode())
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    final = build_dir / f"layer-{digest.hexdigest()[:16]}"
    _prune_stale(build_dir, keep=final)
    if final.is_dir():
        return final
    build_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".layer-", dir=build_dir))
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


def _prune_stale(build_dir: Path, keep: Path) -> None:
    """Drop layer folders of older content (every edit of livebase stages a new one)."""
    cutoff = time.time() - STALE_AFTER_S
    for folder in build_dir.glob("layer-*"):
        if folder != keep and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
