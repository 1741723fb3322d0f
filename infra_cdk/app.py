"""CDK entry point: ``python -m infra_cdk.app`` (or ``npx cdk synth``) synthesises every market.

One ``Livebase-<market>`` stack per market of the ``markets`` CDK context value (cdk.json's
``context.markets`` unless ``-c markets='{...}'`` overrides it; validated by
``livebase.markets.config.markets_from_context``), each pinned to its market's Region, cdk-nag AwsSolutions on all.
Stacks name their Region and never an account: the account (and partition) come from the
deployment (``AWS::AccountId``), so a template synthesised anywhere deploys into any account.
Before them, one ``Livebase-account-<region>`` per Region with a logging REST stage
(``infra_cdk.account_stack``), which also warns what each Region's functions reserve; after a
market in an opt-in Region, its replay log delivery in us-east-1 (``infra_cdk.edge_logs_stack``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from infra_cdk.account_stack import add_account_stacks, deployment_environment, warn_reserved_concurrency
from infra_cdk.components.edge import OPT_IN_REGIONS
from infra_cdk.edge_logs_stack import EdgeLogsStack, log_sources
from infra_cdk.market_stack import MarketStack
from infra_cdk.media_stack import MediaStack, media_stack_name
from infra_cdk.nag import enable_checks
from livebase.markets.config import (
    Market,
    MarketConfigError,
    cdk_json_path,
    load_markets,
    markets_from_context,
    parse_markets,
    read_json,
)

PROJECT_CONTEXT = "cdk.context.json"  # the CDK CLI's per-project context file, beside cdk.json

MarketsArg = Mapping[str, Market] | Mapping[str, Any] | str | Path | None


def file_context(cdk_json: Path | None = None) -> dict[str, Any]:
    """The context the CDK CLI reads from files: ``cdk.context.json``, then cdk.json's ``context`` over it.

    Given to ``cdk.App`` as defaults, so a plain ``python -m infra_cdk.app`` synthesises what
    ``cdk synth`` does (feature flags, markets); under the CLI its own context (``-c`` first) wins.
    """
    source = cdk_json or cdk_json_path()
    project_context = source.parent / PROJECT_CONTEXT
    context = read_json(project_context) if project_context.is_file() else {}
    context.update(read_json(source).get("context", {}))
    return context


def _market_table(app: cdk.App, markets: MarketsArg) -> dict[str, Market]:
    if markets is None:  # the CDK context: cdk.json's table unless -c markets=... overrides it
        return markets_from_context(app.node.try_get_context("markets"))
    if isinstance(markets, str | Path):
        return load_markets(markets)
    if all(isinstance(m, Market) for m in markets.values()):
        return dict(markets)
    return parse_markets(markets)  # a raw {market_id: settings} table: validated exactly as cdk.json would be


def build_app(outdir: str | None = None, markets: MarketsArg = None) -> cdk.App:
    """Build (not synthesise) the app from the CDK context's markets, a cdk.json path, or a market table."""
    app = cdk.App(outdir=outdir, context=file_context())
    table = _market_table(app, markets)
    stacks: list[cdk.Stack] = []
    for market in table.values():
        stack = MarketStack(
            app,
            market.stack_name,
            market=market,
            env=deployment_environment(market.region),
            description=f"Livebase {market.name} ({market.id}): residency {market.residency.value}",
        )
        if market.media_region and market.holds_personal_data:  # video served from another Region
            media = MediaStack(
                app,
                media_stack_name(market),
                market=market,
                env=deployment_environment(market.media_region),
                description=f"Livebase {market.name} ({market.id}): host video only, no data store",
            )
            stack.add_stack_dependency(media, "the room-cue function reads the channel the media stack names")
            stacks.append(media)
        stacks.append(stack)
        source = log_sources(app).get(market.id)
        if source and market.holds_personal_data and market.region in OPT_IN_REGIONS:  # replay logs, v2 delivery
            logs = EdgeLogsStack(
                app, market=market, distribution_id=source["distribution_id"], log_bucket=source["log_bucket"]
            )
            logs.add_stack_dependency(stack, "it delivers the logs of the stack's distribution into its bucket")
    warn_reserved_concurrency(stacks, add_account_stacks(app, stacks))
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
