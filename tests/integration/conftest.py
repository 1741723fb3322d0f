"""Shared integration fixtures: the local AWS (moto server) with the real CDK app deployed.

``local_aws`` is session-scoped: one moto server on a free port, the process environment
pointed at it, the real CDK assembly (the whole app, synthesised once per source digest and shared
with the demo, `up` and the benchmarks: ``livebase_local.assembly_cache``), its ``sea`` and ``eu``
stacks deployed through CloudFormation, each market in its own region. Tests that need other state create their
own resources (unique names) rather than resetting moto under the others.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from livebase_local.assembly_cache import cached_assembly
from livebase_local.aws.deploy import deploy_assembly
from livebase_local.aws.env import apply_local_environment, restore_environment
from livebase_local.aws.moto_server import LocalAws, free_port
from tests.support.local_aws import LocalAwsStack

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
LOCAL_MARKETS = ("sea", "eu")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[LocalAws]:
    """A moto server on a free port with this process's AWS clients pointed at it."""
    server = LocalAws(free_port(), reuse_existing=False).start()
    # Tests run in a throwaway process: replace (and afterwards restore) whatever credentials it had.
    previous = apply_local_environment(
        server.endpoint_url, kinesis_endpoint_url=server.kinesis_endpoint_url, overwrite_real_credentials=True
    )
    try:
        yield server
    finally:
        restore_environment(previous)
        server.stop()


@pytest.fixture(scope="session")
def cdk_assembly() -> Path:
    """The real CDK app as `python -m infra_cdk.app` synthesises it (which fails on any nag finding)."""
    return cached_assembly()


@pytest.fixture(scope="session")
def local_aws(moto_server: LocalAws, cdk_assembly: Path) -> LocalAwsStack:
    started = time.perf_counter()
    deployments = deploy_assembly(cdk_assembly, LOCAL_MARKETS)
    seconds = time.perf_counter() - started
    return LocalAwsStack(moto_server, moto_server.endpoint_url, cdk_assembly, deployments, seconds)
