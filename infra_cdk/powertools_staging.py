"""Stage a Powertools for AWS Lambda (Python) layer from what is installed here, for Regions where
AWS publishes none (``infra_cdk.components.powertools``).

The layer holds what the AWS-managed one holds for our use: ``aws-lambda-powertools`` at the
installed release (the one ``constraints.txt`` pins and the tests run) with the extras the project
asks for in ``pyproject.toml`` (``parser``, ``tracer``), and their dependencies for the Lambda
runtime's Python, minus what that runtime already ships (boto3, botocore and their dependencies:
the list Powertools' own layer build removes, ``layer_v3/docker/Dockerfile``). Each distribution
is copied from site-packages under ``python/``, offline, like the livebase layer.

A compiled distribution (``pydantic-core``, ``wrapt``) is built for one Python: the installed
build is used only when it is the Lambda runtime's (``cp312``, ``x86_64``). Otherwise its wheel
for the runtime is taken from ``build/wheels/`` when one is there (``pip download --only-binary
:all: --platform manylinux2014_x86_64 --python-version 3.12 --no-deps -d build/wheels <name>==<version>``);
without one only its pure-Python files are staged and :attr:`StagedPowertools.missing_wheels`
names it, for a synth warning (``wrapt`` falls back to pure Python; ``pydantic-core`` has no
fallback, so the parser would not import). ``./livebase``'s set-up fetches those wheels, at exactly
the installed (pinned) versions, once per ``constraints.txt``: ``python -m infra_cdk.powertools_staging
--download-wheels`` (:func:`download_runtime_wheels`).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra_cdk.layer_staging import BUILD_DIR, REPO_DIR, distribution_files, installed_distribution, stage_files

DISTRIBUTION = "aws-lambda-powertools"
PYPROJECT = REPO_DIR / "pyproject.toml"
WHEELS_DIR = BUILD_DIR / "wheels"
# What the Lambda Python runtime already provides (removed from the layer, as Powertools' build does).
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "urllib3", "six", "python-dateutil", "jmespath"})
TARGET_PYTHON = "3.12"  # infra_cdk.components.functions.RUNTIME
TARGET_ABI = "cp312"
TARGET_MACHINE = "x86_64"  # infra_cdk.components.functions.ARCHITECTURE
_MARKER_ENVIRONMENT = {
    "python_version": TARGET_PYTHON,
    "python_full_version": f"{TARGET_PYTHON}.0",
    "implementation_name": "cpython",
    "implementation_version": f"{TARGET_PYTHON}.0",
    "platform_python_implementation": "CPython",
    "platform_machine": TARGET_MACHINE,
    "platform_system": "Linux",
    "sys_platform": "linux",
    "os_name": "posix",
    "platform_release": "",
    "platform_version": "",
}


@dataclass(frozen=True)
class StagedPowertools:
    path: Path  # holds python/...
    version: str  # the aws-lambda-powertools release inside
    missing_wheels: tuple[str, ...]  # "name==version" of compiled distributions without a runtime build


def project_extras(pyproject: Path = PYPROJECT) -> frozenset[str]:
    """The extras of aws-lambda-powertools the project depends on (``pyproject.toml``)."""
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    [requirement] = [r for r in map(Requirement, dependencies) if canonicalize_name(r.name) == DISTRIBUTION]
    return frozenset(requirement.extras)


def layer_distributions(extras: frozenset[str] | None = None) -> list[metadata.Distribution]:
    """aws-lambda-powertools and what it needs on the Lambda runtime, installed here; runtime-provided left out."""
    found: dict[str, metadata.Distribution] = {}
    pending = [(Requirement(DISTRIBUTION), extras if extras is not None else project_extras())]
    while pending:
        requirement, wanted = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in found or name in RUNTIME_PROVIDED:
            continue
        dist = installed_distribution(requirement)
        found[name] = dist
        for needed in map(Requirement, dist.requires or []):
            markers = [{**_MARKER_ENVIRONMENT, "extra": extra} for extra in (wanted or {""})]
            if needed.marker is None or any(needed.marker.evaluate(env) for env in markers):
                pending.append((needed, frozenset(needed.extras)))
    return [found[name] for name in sorted(found)]


def _tags(dist: metadata.Distribution) -> list[str]:
    wheel = dist.read_text("WHEEL") or ""
    return [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]


def _is_pure(dist: metadata.Distribution) -> bool:
    return all(tag.endswith("-none-any") for tag in _tags(dist))


def _fits_runtime(dist: metadata.Distribution) -> bool:
    return any(tag.startswith(f"{TARGET_ABI}-") and tag.endswith(TARGET_MACHINE) for tag in _tags(dist))


def _runtime_wheel(dist: metadata.Distribution, wheels_dir: Path) -> Path | None:
    """A wheel of this distribution and version built for the Lambda runtime, if one was put there."""
    stem = re.sub(r"[-_.]+", "_", dist.metadata["Name"]).lower()
    for wheel in sorted(wheels_dir.glob(f"{stem}-{dist.version}-{TARGET_ABI}-*.whl")):
        if wheel.name.endswith(f"{TARGET_MACHINE}.whl"):
            return wheel
    return None


def _wheel_files(wheel: Path) -> list[tuple[str, Path]]:
    """The wheel unpacked once beside it; (``python/<path>``, file) of its contents."""
    unpacked = wheel.with_suffix("")
    if not unpacked.is_dir():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(unpacked)
    return [(f"python/{p.relative_to(unpacked).as_posix()}", p) for p in unpacked.rglob("*") if p.is_file()]


def powertools_layer_files(wheels_dir: Path = WHEELS_DIR) -> tuple[list[tuple[str, Path]], tuple[str, ...]]:
    """(files of the layer, compiled distributions staged without their runtime build)."""
    files: list[tuple[str, Path]] = []
    missing: list[str] = []
    for dist in layer_distributions():
        if _is_pure(dist) or _fits_runtime(dist):
            files.extend(distribution_files(dist))
            continue
        wheel = _runtime_wheel(dist, wheels_dir)
        if wheel is not None:
            files.extend(_wheel_files(wheel))
            continue
        missing.append(f"{dist.metadata['Name']}=={dist.version}")
        files.extend((target, source) for target, source in distribution_files(dist) if source.suffix != ".so")
    return sorted(files), tuple(missing)


def stage_powertools_layer(build_dir: Path = BUILD_DIR, wheels_dir: Path = WHEELS_DIR) -> StagedPowertools:
    """The layer's folder (``build/powertools-<hash>/python/...``), staged once per content."""
    files, missing = powertools_layer_files(wheels_dir)
    path = stage_files(files, "powertools", build_dir)
    return StagedPowertools(path, metadata.version(DISTRIBUTION), missing)


def compiled_pins() -> list[str]:
    """``name==version`` of the layer's compiled distributions whose installed build is not the runtime's."""
    return [
        f"{dist.metadata['Name']}=={dist.version}"
        for dist in layer_distributions()
        if not (_is_pure(dist) or _fits_runtime(dist))
    ]


def download_runtime_wheels(wheels_dir: Path = WHEELS_DIR) -> list[str]:
    """Fetch the Lambda runtime's wheels (python3.12, manylinux x86_64) of :func:`compiled_pins` from the
    package index into ``wheels_dir``; the pins fetched (none when this Python is the runtime's)."""
    pins = compiled_pins()
    if pins:
        wheels_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                   "--only-binary=:all:", "--platform", f"manylinux2014_{TARGET_MACHINE}",
                   "--python-version", TARGET_PYTHON, "--implementation", "cp", "--no-deps",
                   "-d", str(wheels_dir), *pins]  # fmt: skip
        subprocess.run(command, check=True)
    return pins


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The project's Powertools layer for Regions without AWS's.")
    parser.add_argument("--download-wheels", action="store_true", help="fetch the runtime's compiled wheels")
    args = parser.parse_args(argv)
    if args.download_wheels:
        pins = download_runtime_wheels()
        print(
            f"powertools layer wheels in {WHEELS_DIR}: {', '.join(pins) or 'none needed (this is the runtime Python)'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
