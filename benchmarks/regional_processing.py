"""Regional processing core at market scale: 1,000,000 viewers, 5,000,000 orders, one market.

What is timed (wall clock, one process, after the data are generated):
- ``frame``: ``livebase.lifecycle.frame.validate`` (categoricals, UTC times, checks) on 5M orders;
- ``lifecycle``: ``livebase.lifecycle.analysis.analyse`` (RFM, stages, repeat rate, attribution, cohorts);
- ``recall``: ``stages.recall_list`` against a consent set of half the viewers (MARKETING);
- ``export``: ``livebase.aggregates.export.market_export`` (cells, k suppression, dated FX);
- ``rows_to_frame``: the store path (``orders_frame`` from the dicts ``OrderStore.lifecycle_rows``
  returns) on a 250k-order sample, as orders/s;
- ``baseline``: a bare per-viewer ``groupby().agg`` (min, max, count, sum) on the same frame, the
  floor any lifecycle computation pays; the ratio says how much the whole analysis costs above it.
Peak memory: ``ru_maxrss`` of the process (includes the generated data) and its growth during the
core. pandas (not DuckDB): DuckDB is not a project dependency, and this run shows pandas fits.

    .venv/bin/python benchmarks/regional_processing.py [--viewers 1000000] [--orders 5000000]
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from livebase.aggregates.export import DEFAULT_K, market_export
from livebase.aggregates.rates import DatedRate
from livebase.lifecycle.analysis import analyse
from livebase.lifecycle.frame import orders_frame, validate
from livebase.lifecycle.stages import recall_list

AS_OF = date(2026, 11, 30)
RATE = DatedRate("EUR", "USD", Decimal("1.057"), date(2026, 11, 27), "benchmark")

CAMPAIGNS = np.array(["bf-2026", "xmas-2026", None], dtype=object)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def simulate(viewers: int, orders: int, seed: int = 18) -> pd.DataFrame:
    """Every viewer buys once; the rest of the orders go to viewers by a heavy-tailed propensity."""
    rng = np.random.default_rng(seed)
    propensity = rng.pareto(1.5, viewers) + 0.05
    extra = rng.choice(viewers, orders - viewers, p=propensity / propensity.sum())
    codes = np.concatenate([np.arange(viewers), extra])
    ids = np.char.add("v_", np.char.zfill(np.char.mod("%x", np.arange(viewers)), 32))
    end = pd.Timestamp(AS_OF, tz="UTC")
    seconds = rng.integers(0, 400 * 86400, orders)
    return pd.DataFrame({
        "viewer_id": pd.Categorical.from_codes(codes, categories=ids),
        "placed_at": end - pd.to_timedelta(seconds, unit="s"),
        "total": rng.gamma(2.0, 18.0, orders).round(2),
        "status": rng.choice(["placed", "rejected", "cancelled", "refunded"], orders, p=[0.92, 0.03, 0.03, 0.02]),
        "channel": rng.choice(["room", "share_link", "campaign"], orders, p=[0.6, 0.28, 0.12]),
        "campaign": pd.Categorical(rng.choice(CAMPAIGNS, orders, p=[0.05, 0.05, 0.9])),
    })  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=5_000_000)
    args = parser.parse_args()
    raw = simulate(args.viewers, args.orders)
    before = peak_mib()

    started = time.perf_counter()
    frame = validate(raw)
    t_frame = time.perf_counter() - started
    started = time.perf_counter()
    lifecycle = analyse(frame, AS_OF)
    t_lifecycle = time.perf_counter() - started
    consent = set(lifecycle.staged.index[::2])
    started = time.perf_counter()
    recalled = recall_list(lifecycle.staged, consent)
    t_recall = time.perf_counter() - started
    started = time.perf_counter()
    export = market_export("eu", lifecycle, RATE, k=DEFAULT_K)
    t_export = time.perf_counter() - started
    core_peak = peak_mib()

    started = time.perf_counter()
    frame.groupby("viewer_id", observed=True).agg(
        first=("placed_at", "min"), last=("placed_at", "max"), orders=("total", "size"), spend=("total", "sum")
    )
    t_baseline = time.perf_counter() - started

    sample = raw.head(250_000).astype({"viewer_id": str, "status": str, "channel": str, "campaign": object})
    rows = sample.to_dict("records")
    started = time.perf_counter()
    orders_frame(rows)
    t_rows = time.perf_counter() - started

    core = t_frame + t_lifecycle + t_recall + t_export
    print(f"buyers: {lifecycle.buyers}; orders placed: {lifecycle.orders_placed}; stages: {lifecycle.stage_sizes}")
    print(f"recall list: {len(recalled)}; export cells: {len(export.cells)} kept, {export.suppressed_cells} suppressed")
    print(f"engine: pandas {pd.__version__}")
    print(f"orders: {args.orders}")
    print(f"viewers: {args.viewers}")
    print(f"frame_seconds: {t_frame:.2f}")
    print(f"lifecycle_seconds: {t_lifecycle:.2f}")
    print(f"recall_seconds: {t_recall:.2f}")
    print(f"export_seconds: {t_export:.3f}")
    print(f"core_seconds: {core:.2f}")
    print(f"baseline_groupby_seconds: {t_baseline:.2f}")
    print(f"core_vs_baseline_ratio: {core / t_baseline:.1f}")
    print(f"rows_to_frame_orders_per_second: {len(rows) / t_rows:.0f}")
    print(f"peak_rss_mib: {core_peak:.0f}")
    print(f"core_rss_growth_mib: {core_peak - before:.0f}")


if __name__ == "__main__":
    main()
