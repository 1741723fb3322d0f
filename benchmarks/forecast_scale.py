"""Wall time to forecast many synthetic SKU series (two years daily) on this machine.

    .venv/bin/python benchmarks/forecast_scale.py [--series 10000] [--workers N] [--horizon 28]

Series are a mix of smooth (weekly pattern, trend, noise) and intermittent (many zero days)
demand, in a long frame (id, ds, y) as the nightly flow has them; they are forecast with
`forecast_batch` in coarse chunks across a process pool (all cores by default). Prints
`name: value` lines last.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from livebase.forecasting import forecast_batch  # noqa: E402

DAYS = 730


def synthetic(first: int, count: int, seed: int = 11) -> pd.DataFrame:
    """`count` series (ids first..first+count-1), reproducible per id."""
    days = pd.date_range("2024-11-01", periods=DAYS, freq="D")
    t = np.arange(DAYS)
    frames = []
    for sku in range(first, first + count):
        rng = np.random.default_rng([seed, sku])
        if rng.random() < 0.6:
            weekly = 1 + rng.uniform(0, 0.4) * (np.isin(t % 7, [4, 5])).astype(float)
            level = rng.uniform(5, 200) * (1 + rng.uniform(-0.3, 0.6) * t / DAYS)
            y = rng.poisson(np.maximum(level * weekly, 0.1)).astype(float)
        else:
            sold = rng.random(DAYS) < rng.uniform(0.05, 0.4)
            y = np.where(sold, rng.poisson(rng.uniform(1, 6), DAYS) + 1, 0)
        frames.append(pd.DataFrame({"id": f"sku-{sku:05d}", "ds": days, "y": y.astype(float)}))
    return pd.concat(frames, ignore_index=True)


def _chunk(args: tuple[int, int, int]) -> tuple[int, float, int]:
    first, count, horizon = args
    frame = synthetic(first, count)
    cpu0 = time.process_time()
    out = forecast_batch(frame, horizon, 7, errors="report")
    return count, time.process_time() - cpu0, int(out["error"].notna().sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk", type=int, default=250, help="series per task (coarse, as in the flow)")
    parser.add_argument("--horizon", type=int, default=28)
    args = parser.parse_args()
    chunks = [(s, min(args.chunk, args.series - s), args.horizon) for s in range(0, args.series, args.chunk)]
    wall0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(_chunk, chunks))
    wall = time.perf_counter() - wall0
    done = sum(r[0] for r in results)
    cpu = sum(r[1] for r in results)
    errors = sum(r[2] for r in results)
    print(f"forecast_scale.series: {done}")
    print(f"forecast_scale.days_per_series: {DAYS}")
    print(f"forecast_scale.horizon: {args.horizon}")
    print(f"forecast_scale.workers: {args.workers}")
    print(f"forecast_scale.wall_seconds: {wall:.1f}")
    print(f"forecast_scale.forecast_cpu_seconds: {cpu:.1f}")
    print(f"forecast_scale.cpu_ms_per_series: {1000 * cpu / done:.1f}")
    print(f"forecast_scale.series_per_second_wall: {done / wall:.1f}")
    print(f"forecast_scale.failed_series: {errors}")


if __name__ == "__main__":
    main()
