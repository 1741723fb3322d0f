"""Reading a synthesised cloud assembly (a ``cdk.out`` directory): stacks, templates, file assets.

Only the parts a deploy needs: which stack goes to which region, its template, and the file
assets (zipped directories or plain files) with the bucket/key each must be uploaded to.
"""

from __future__ import annotations

import functools
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STACK_TYPE = "aws:cloudformation:stack"
ASSETS_TYPE = "cdk:asset-manifest"
NESTED_TYPE = "cdk:cloud-assembly"
# A fixed timestamp makes a zipped asset depend only on its content.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class AssemblyError(ValueError):
    """The directory is not a usable cloud assembly; the message says what is missing."""


@dataclass(frozen=True)
class AssetDestination:
    bucket_name: str
    object_key: str
    region: str | None


@dataclass(frozen=True)
class FileAsset:
    asset_id: str
    source: Path
    packaging: str  # "zip" (a directory, zipped) or "file" (uploaded as-is)
    destinations: tuple[AssetDestination, ...]

    def payload(self) -> bytes:
        if self.packaging == "file":
            return self.source.read_bytes()
        if self.packaging == "zip":
            return _zipped(self.source)
        raise AssemblyError(f"asset {self.asset_id}: unsupported packaging {self.packaging!r}")


@dataclass(frozen=True)
class StackArtifact:
    artifact_id: str
    stack_name: str
    account: str | None  # None when the app left it unresolved ("unknown-account")
    region: str
    template_path: Path
    assets: tuple[FileAsset, ...]
    skipped_docker_images: tuple[str, ...]

    def template(self) -> dict[str, Any]:
        return dict(json.loads(self.template_path.read_text(encoding="utf-8")))

    def asset_by_object_key(self, object_key: str) -> FileAsset | None:
        for asset in self.assets:
            if any(d.object_key == object_key for d in asset.destinations):
                return asset
        return None


@functools.lru_cache(maxsize=32)
def _zipped(directory: Path) -> bytes:
    """One zip per asset directory per process (the same layer goes to every market's bucket)."""
    return zip_directory(directory)


def zip_directory(directory: Path) -> bytes:
    """Zip ``directory``'s contents (paths relative to it), deterministically, as CDK packages it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, files in os.walk(directory):
            dirs.sort()
            for name in sorted(files):
                path = Path(root) / name
                info = zipfile.ZipInfo(path.relative_to(directory).as_posix(), _ZIP_EPOCH)
                info.external_attr = (path.stat().st_mode & 0o777) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _environment(value: str, artifact_id: str) -> tuple[str | None, str]:
    if not value.startswith("aws://"):
        raise AssemblyError(f"stack {artifact_id}: environment {value!r} is not aws://account/region")
    account, _, region = value.removeprefix("aws://").partition("/")
    if not region or region.startswith("unknown"):
        raise AssemblyError(f"stack {artifact_id} has no region; pin each market stack to its region")
    return (None if account.startswith("unknown") else account), region


def _read_assets(directory: Path, file_name: str) -> tuple[tuple[FileAsset, ...], tuple[str, ...]]:
    document = json.loads((directory / file_name).read_text(encoding="utf-8"))
    assets = []
    for asset_id, entry in document.get("files", {}).items():
        source = entry.get("source", {})
        if "path" not in source:
            raise AssemblyError(f"asset {asset_id} is built by a command, which the local deploy does not run")
        destinations = tuple(
            AssetDestination(d["bucketName"], d["objectKey"], d.get("region"))
            for d in entry.get("destinations", {}).values()
        )
        assets.append(FileAsset(asset_id, directory / source["path"], source.get("packaging", "file"), destinations))
    return tuple(assets), tuple(document.get("dockerImages", {}))


def read_assembly(cdk_out: Path | str) -> list[StackArtifact]:
    """The stacks of the assembly in ``cdk_out`` (nested assemblies, e.g. stages, included)."""
    directory = Path(cdk_out)
    manifest_path = directory / "manifest.json"
    if not manifest_path.is_file():
        raise AssemblyError(f"{directory} has no manifest.json; synthesise the CDK app first")
    artifacts: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8")).get("artifacts", {})
    stacks: list[StackArtifact] = []
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        props = artifact.get("properties", {})
        if kind == NESTED_TYPE:
            stacks.extend(read_assembly(directory / props["directoryName"]))
        if kind != STACK_TYPE:
            continue
        account, region = _environment(artifact.get("environment", ""), artifact_id)
        assets: tuple[FileAsset, ...] = ()
        docker: tuple[str, ...] = ()
        for dependency in artifact.get("dependencies", []):
            dep = artifacts.get(dependency, {})
            if dep.get("type") == ASSETS_TYPE:
                assets, docker = _read_assets(directory, dep["properties"]["file"])
        stacks.append(
            StackArtifact(
                artifact_id=artifact_id,
                stack_name=props.get("stackName", artifact_id),
                account=account,
                region=region,
                template_path=directory / props["templateFile"],
                assets=assets,
                skipped_docker_images=docker,
            )
        )
    return stacks


def fill_placeholders(text: str, *, account: str, region: str, partition: str = "aws") -> str:
    """Resolve the ``${AWS::...}`` placeholders the asset manifest leaves in bucket names and keys."""
    return (
        text.replace("${AWS::AccountId}", account)
        .replace("${AWS::Region}", region)
        .replace("${AWS::Partition}", partition)
    )
