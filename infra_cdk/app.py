"""CDK entry point: ``python -m infra_cdk.app`` (or ``npx cdk synth``) synthesises every market.

One ``Livebase-<market>`` stack per market in ``cdk.json`` (read through
``livebase.config.load_markets``), each pinned to its market's Region, cdk-nag AwsSolutions on all.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__" and not __package__:  # `python infra_cdk/app.py` from the project root:
    os.execv(sys.executable, [sys.executable, "-m", "infra_cdk.app", *sys.argv[1:]])  # run as the module

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from infra_cdk.market_stack import MarketStack
from infra_cdk.nag import enable_checks
from livebase.config import DEFAULT_CDK_JSON, Market, MarketConfigError, load_markets, parse_markets

DEFAULT_ACCOUNT = "000000000000"

MarketsArg = Mapping[str, Market] | Mapping[str, Any] | str | Path | None


def _feature_flags(cdk_json: Path) -> dict[str, Any]:
    """cdk.json's feature flags, so a plain ``python`` synth equals the CLI's (markets excluded)."""
    context = json.loads(cdk_json.read_text(encoding="utf-8")).get("context", {})
    return {key: value for key, value in context.items() if key.startswith("@")}


def build_app(outdir: str | None = None, markets: MarketsArg = None) -> cdk.App:
    """Build (not synthesise) the app from cdk.json, another cdk.json path, or a market table."""
    if markets is None or isinstance(markets, str | Path):
        table = load_markets(markets)
    elif all(isinstance(m, Market) for m in markets.values()):
        table = dict(markets)
    else:  # a raw {market_id: settings} table: validated exactly as cdk.json would be
        table = parse_markets(markets)
    app = cdk.App(outdir=outdir, context=_feature_flags(DEFAULT_CDK_JSON))
    account = os.environ.get("CDK_DEFAULT_ACCOUNT") or DEFAULT_ACCOUNT
    for market in table.values():
        MarketStack(
            app,
            market.stack_name,
            market=market,
            env=cdk.Environment(account=account, region=market.region),
            description=f"Livebase {market.name} ({market.id}): residency {market.residency.value}",
        )
    enable_checks(app)
    return app


def synth_messages(assembly: cdk.cx_api.CloudAssembly, level: cdk.cx_api.SynthesisMessageLevel) -> list[str]:
    """Annotations of one level across all stacks, as ``path: text`` lines."""
    return [
        f"{message.id}: {message.entry.data}"
        for stack in assembly.stacks
        for message in stack.messages
        if message.level == level
    ]


def synth_errors(assembly: cdk.cx_api.CloudAssembly) -> list[str]:
    """Error annotations (residency violations, ...) the CLI would refuse; ``app.synth()`` does not raise."""
    return synth_messages(assembly, cdk.cx_api.SynthesisMessageLevel.ERROR)


def main() -> int:
    outdir = os.environ.get("CDK_OUTDIR") or str(Path(__file__).resolve().parents[1] / "cdk.out")
    try:
        app = build_app(outdir=outdir)
    except MarketConfigError as error:
        print(f"livebase: bad market table: {error}", file=sys.stderr)
        return 2
    assembly = app.synth()
    for line in synth_messages(assembly, cdk.cx_api.SynthesisMessageLevel.WARNING):
        print(f"livebase: warning: {line}", file=sys.stderr)
    errors = synth_errors(assembly)
    for line in errors:
        print(f"livebase: error: {line}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
