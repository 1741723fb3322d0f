"""Shared fixtures for infrastructure tests: one synthesis of the real app per test session (read-only)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass
class Synthesised:
    app: cdk.App
    assembly: cdk.cx_api.CloudAssembly
    outdir: Path

    def template(self, market_id: str) -> Template:
        """Read the synthesised template (no second synth, so no second cdk-nag run)."""
        return Template.from_json(self.assembly.get_stack_by_name(f"Livebase-{market_id}").template)

    def raw(self, market_id: str) -> dict:
        return self.assembly.get_stack_by_name(f"Livebase-{market_id}").template


@pytest.fixture(scope="session")
def synthesised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesised]:
    from infra_cdk.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    app = build_app(outdir=str(outdir))
    yield Synthesised(app=app, assembly=app.synth(), outdir=outdir)
