"""One synthesised CDK assembly per source digest, shared by every local run on this machine.

Synthesising the whole app costs about a minute of CPU, and the demo, `up`, the soak, the
benchmarks and the integration tests each synthesised their own (the tests in throwaway state
folders, so every run paid it again). An assembly is a function of the synth inputs (cdk.json or
the file ``LIVEBASE_CDK_JSON`` names, ``infra_cdk``, the layer, the functions, the pinned
versions), so it is kept under ``.livebase/assemblies/<digest>/``: written once into a temporary
sibling and renamed into place (a reader never sees half an assembly), behind a file lock (two
processes wanting the same digest synthesise once). The newest few are kept, older ones pruned.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from livebase.markets.config import CDK_JSON_ENV

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = Path(os.environ.get("LIVEBASE_ASSEMBLY_CACHE", PROJECT_ROOT / ".livebase" / "assemblies"))
SYNTH_INPUTS = ("cdk.json", "constraints.txt", "infra_cdk", "layers/livebase", "functions")
KEEP = 3  # assemblies kept: the current sources and a couple of recent branches


def _inputs() -> Iterator[Path]:
    for name in SYNTH_INPUTS:
        root = PROJECT_ROOT / name
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file() and "__pycache__" not in path.parts:
                yield path
    override = os.environ.get(CDK_JSON_ENV)
    if override and Path(override).is_file():
        yield Path(override).resolve()


def source_digest() -> str:
    """The digest of everything the synthesised templates depend on."""
    digest = hashlib.sha256()
    for path in _inputs():
        name = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
        digest.update(str(name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def synthesise(out: str | Path) -> Path:
    """``python -m infra_cdk.app`` into ``out`` (raises with synth's own error when it fails)."""
    out = Path(out).resolve()
    env = {**os.environ, "CDK_OUTDIR": str(out), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        [sys.executable, "-m", "infra_cdk.app"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"CDK synth failed:\n{result.stderr.strip()[-4000:]}")
    return out


def cached_assembly_path(cache_dir: Path | None = None) -> Path:
    """Where the assembly of the sources as they are lives (it may not exist yet)."""
    return (cache_dir or CACHE_DIR) / source_digest()[:16]


def is_cached(cache_dir: Path | None = None) -> bool:
    """Whether the sources as they are have an assembly already (``cached_assembly`` returns at once)."""
    return cached_assembly_path(cache_dir).is_dir()


@contextmanager
def _locked(cache_dir: Path) -> Iterator[None]:
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _prune(cache_dir: Path, keep: Path) -> None:
    assemblies = sorted(
        (p for p in cache_dir.iterdir() if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for stale in assemblies[KEEP - 1 :]:
        shutil.rmtree(stale, ignore_errors=True)


def cached_assembly(cache_dir: Path | None = None) -> Path:
    """The assembly of the sources as they are: synthesised once, then shared."""
    cache_dir = cache_dir or CACHE_DIR
    final = cached_assembly_path(cache_dir)
    if final.is_dir():
        return final
    with _locked(cache_dir):
        if final.is_dir():  # another process synthesised it while this one waited
            return final
        partial = final.with_name(f".{final.name}.{os.getpid()}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            synthesise(partial)
            partial.rename(final)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        _prune(cache_dir, keep=final)
    return final
