"""The demo's regional-processing step: hq deployed beside the selling markets, the flow run once,
the hq roll-up printed (a few seconds on the demo's orders).

The demo's platform deploys the selling markets only; hq (aggregates only, its own region) is
deployed here from the same assembly, then ``regional-processing`` runs for the demo's markets
against the Prefect server the demo started.
"""

from __future__ import annotations

from pathlib import Path

from livebase.markets.config import hq_market, load_markets
from livebase_local.aws.deploy import deploy_assembly
from livebase_local.fx_feed import refresh_local_rates
from livebase_local.platform import STATE_DIR


def hq_rollup_lines(assembly: Path, market_ids: list[str]) -> list[str]:
    """Deploy hq into the running local AWS, run the flow for ``market_ids``; the roll-up's lines."""
    from flows.regional_processing import regional_processing

    hq = hq_market(load_markets())
    deploy_assembly(assembly, [hq.id])
    fx = refresh_local_rates(STATE_DIR / "fx-feed", market_ids)  # issues 30, 33: the day's rates, local feed
    result = regional_processing(markets=market_ids)
    recalled = ", ".join(f"{o.market} {o.recalled}" for o in result.markets)
    return [
        *fx,
        *result.lines,
        f"recall lists (dormant viewers with marketing consent, kept in each market's region): {recalled}",
    ]


def print_hq_rollup(assembly: Path, market_ids: list[str]) -> None:
    lines = hq_rollup_lines(assembly, market_ids)
    print("\nhq roll-up (regional-processing: aggregates only, cells behind < k viewers suppressed):")
    for line in lines:
        print(f"  {line}")
