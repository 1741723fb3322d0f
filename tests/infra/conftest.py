"""Shared fixtures for infrastructure tests: the real app's assembly, synthesised once and shared (read-only)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass
class Synthesised:
    assembly: cdk.cx_api.CloudAssembly
    outdir: Path

    def template(self, market_id: str) -> Template:
        """Read the synthesised template (no second synth, so no second cdk-nag run)."""
        return Template.from_json(self.assembly.get_stack_by_name(f"Livebase-{market_id}").template)

    def raw(self, market_id: str) -> dict:
        return self.assembly.get_stack_by_name(f"Livebase-{market_id}").template


@pytest.fixture(scope="session")
def synthesised() -> Synthesised:
    """``python -m infra_cdk.app``'s assembly of the sources as they are, synthesised once per machine and
    shared with the integration tests, the demo and `up` (``livebase_local.assembly_cache``): each
    xdist worker synthesised the app again in-process (about 40 s each under the suite's load)."""
    from livebase_local.assembly_cache import cached_assembly

    outdir = cached_assembly()
    return Synthesised(assembly=cdk.cx_api.CloudAssembly(str(outdir)), outdir=outdir)
